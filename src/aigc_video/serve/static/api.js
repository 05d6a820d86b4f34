// The API reference, rendered from the app's own OpenAPI schema (no CDN, so it works offline).
"use strict";

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = text;
  return node;
}

function limitsOf(p) {
  const parts = [];
  if (p.enum) parts.push(`one of ${p.enum.join(", ")}`);
  if (p.const !== undefined) parts.push(`= ${p.const}`);
  if (p.minimum !== undefined) parts.push(`≥ ${p.minimum}`);
  if (p.exclusiveMinimum !== undefined) parts.push(`> ${p.exclusiveMinimum}`);
  if (p.maximum !== undefined) parts.push(`≤ ${p.maximum}`);
  if (p.minLength !== undefined) parts.push(`${p.minLength}..${p.maxLength} characters`);
  return parts.join(", ");
}

async function start() {
  const spec = await (await fetch("/openapi.json")).json();
  const list = el("div", "endpoints");
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const row = el("div", "endpoint");
      row.append(el("span", `method method-${method}`, method.toUpperCase()), el("code", "", path),
                 el("span", "muted", op.summary || ""));
      const codes = Object.keys(op.responses || {}).join(" ");
      row.append(el("span", "codes", codes));
      list.append(row);
    }
  }
  document.getElementById("endpoints").replaceChildren(list);

  const schema = spec.components.schemas.JobRequest;
  const table = el("table", "fields");
  const head = el("tr");
  for (const h of ["field", "type", "default", "limits", ""]) head.append(el("th", "", h));
  table.append(head);
  for (const [name, p] of Object.entries(schema.properties)) {
    const row = el("tr");
    const type = p.type || (p.enum ? "string" : (p.anyOf || []).map((a) => a.type).join(" | "));
    row.append(el("td", "", name + ((schema.required || []).includes(name) ? " *" : "")), el("td", "", type),
               el("td", "", p.default === undefined ? "" : JSON.stringify(p.default)), el("td", "", limitsOf(p)),
               el("td", "muted", p.description || ""));
    table.append(row);
  }
  const upload = spec.paths["/api/jobs/with-image"];
  const image = upload && upload.post.requestBody.content["multipart/form-data"].schema.properties.image;
  document.getElementById("request").replaceChildren(table,
    el("p", "muted", "Bad values get 422 with a message naming the field and the limit; a full queue gets 429; " +
       "a request from another site gets 403; with an access token set, every /api call needs " +
       "Authorization: Bearer <token>."),
    ...(image ? [el("p", "", "A video from a picture: POST /api/jobs/with-image as multipart/form-data, the part " +
       "request holding this JSON and the part image a file (" + image.description + "), e.g. " +
       "curl -F 'request={\"text\": \"A cat walks left.\"}' -F image=@cat.png URL/api/jobs/with-image. " +
       "An image over the size limit gets 413, one that is not such a picture 422.")] : []));
}

start();
