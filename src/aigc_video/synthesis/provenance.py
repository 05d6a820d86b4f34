"""Content credentials: a signed C2PA manifest in every MP4 (c2pa-python), the invisible
watermark's payload, and reading both back (`aigc-video inspect`).

The manifest says who made the file (claim generator aigc-video + version), how (a `c2pa.created`
action whose digital source type is IPTC "trainedAlgorithmicMedia" for a learned engine and
"algorithmicMedia" for the procedural scene engine, "compositeWithTrainedAlgorithmicMedia" when the
scene engine's shots are joined by VAE morphs), from what (the prompt unless left out, the engine,
the sha256 of every checkpoint that drew frames: generator, VAE, learned upscaler) and which
watermark the frames carry. It is hashed
over the MP4's boxes (c2pa.hash.bmff), so any change to the frames or the sound, or to the manifest,
reads as tampered.

Signing: c2pa-rs refuses a self-signed leaf certificate, so on first use a local CA and a leaf
certificate it issues (ES256, P-256, extKeyUsage emailProtection) are made under the user's config
folder ($XDG_CONFIG_HOME/aigc-video/ or ~/.config/aigc-video/; the key file 0600; the CA's key is
thrown away after issuing). Such a signature is valid but not trusted by other machines; an
organisation signs with its own chain (`--sign-cert/--sign-key`). The reader trusts the local CA,
so videos made on this machine read as "trusted" here.
"""
from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import DependencyMissing, InputError

IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
ALGORITHMIC = IPTC + "algorithmicMedia"
COMPOSITE_TRAINED = IPTC + "compositeWithTrainedAlgorithmicMedia"   # scene-engine shots joined by VAE morphs
LEARNED_ENGINES = ("flow", "gan", "vae")
ASSERTION = "org.aigc-video.generation"
CHECKPOINTS = Path(__file__).resolve().parents[1] / "checkpoints"
# A manifest that fails only because its signer is not on this machine's trust list is still
# intact; these codes mean the file or the manifest changed after signing.
UNTRUSTED_ONLY = {"signingCredential.untrusted"}


def config_dir() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "aigc-video"


def digital_source_type(engine: str, morph: bool = False) -> str:
    """IPTC's type for a video drawn by `engine`; `morph`: some transition frames come from the
    video VAE (synthesis/morph.py), so a scene-engine video is a composite with trained media."""
    if engine in LEARNED_ENGINES:
        return TRAINED
    return COMPOSITE_TRAINED if morph else ALGORITHMIC


def _c2pa():
    try:
        import c2pa
    except ImportError:
        raise DependencyMissing("the C2PA manifest needs c2pa-python (pip install c2pa-python); "
                                "--no-c2pa makes the video without one") from None
    return c2pa


# ------------------------------------------------------------------------------------ identity

@dataclass(frozen=True)
class Identity:
    chain_pem: bytes                 # leaf first, then its issuers
    key_pem: bytes
    alg: str                         # "es256", "es384", "ed25519", "ps256"
    subject: str                     # the leaf's subject, RFC 4514
    local: bool                      # made here on first use (not an organisation's own)
    ca_pem: bytes | None = None      # the local CA, trusted by this machine's reader

    def describe(self) -> dict:
        return {"subject": self.subject, "alg": self.alg, "local": self.local}


def _alg_for(key) -> str:
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    if isinstance(key, ec.EllipticCurvePrivateKey):
        algs = {"secp256r1": "es256", "secp384r1": "es384", "secp521r1": "es512"}
        if key.curve.name not in algs:
            raise InputError(f"signing key curve {key.curve.name} is not one C2PA accepts (P-256, P-384, P-521)")
        return algs[key.curve.name]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, rsa.RSAPrivateKey):
        return "ps256"
    raise InputError(f"signing key type {type(key).__name__} is not one C2PA accepts (EC, Ed25519, RSA)")


def load_identity(cert: str | os.PathLike, key: str | os.PathLike, *, local: bool = False,
                  ca: str | os.PathLike | None = None) -> Identity:
    """An organisation's own certificate chain (PEM, leaf first) and private key (PEM)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    cert, key = Path(cert), Path(key)
    for what, p in (("--sign-cert", cert), ("--sign-key", key)):
        if not p.is_file():
            raise InputError(f"{what} {str(p)!r} does not exist")
    chain_pem, key_pem = cert.read_bytes(), key.read_bytes()
    try:
        leaf = x509.load_pem_x509_certificates(chain_pem)[0]
    except ValueError:
        raise InputError(f"--sign-cert {str(cert)!r} is not a PEM certificate chain") from None
    try:
        private = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError):
        raise InputError(f"--sign-key {str(key)!r} is not an unencrypted PEM private key") from None
    pub = serialization.PublicFormat.SubjectPublicKeyInfo
    if (leaf.public_key().public_bytes(serialization.Encoding.DER, pub)
            != private.public_key().public_bytes(serialization.Encoding.DER, pub)):
        raise InputError(f"--sign-key {str(key)!r} is not the key of the certificate {str(cert)!r}")
    return Identity(chain_pem, key_pem, _alg_for(private), leaf.subject.rfc4514_string(), local,
                    Path(ca).read_bytes() if ca else None)


def local_identity(folder: Path | None = None) -> Identity:
    """This user's signing identity, made on first use (see the module docstring)."""
    folder = folder or config_dir()
    cert, key, ca = folder / "signing-chain.pem", folder / "signing-key.pem", folder / "signing-ca.pem"
    if not (cert.is_file() and key.is_file() and ca.is_file()):
        _make_local_identity(folder, cert, key, ca)
    return load_identity(cert, key, local=True, ca=ca)


def _make_local_identity(folder: Path, cert: Path, key: Path, ca: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    user = os.environ.get("USER") or "user"
    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn),
                          x509.NameAttribute(NameOID.ORGANIZATION_NAME, "aigc-video (local, self-issued)")])

    def usage(**on) -> x509.KeyUsage:
        fields = ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                  "key_agreement", "key_cert_sign", "crl_sign", "encipher_only", "decipher_only")
        return x509.KeyUsage(**{f: on.get(f, False) for f in fields})

    ca_key, leaf_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = name(f"aigc-video local CA ({user})")
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(days=1))
               .not_valid_after(now + datetime.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(usage(key_cert_sign=True, crl_sign=True), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    # c2pa-rs wants a leaf that is not a CA, signs (digitalSignature) and has a C2PA-allowed
    # extended key usage (emailProtection here), issued by a CA rather than self-signed.
    leaf = (x509.CertificateBuilder().subject_name(name(f"aigc-video signer ({user})")).issuer_name(ca_name)
            .public_key(leaf_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(usage(digital_signature=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    key_bytes = leaf_key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)   # 0600 from the start
    with os.fdopen(fd, "wb") as f:
        f.write(key_bytes)
    os.chmod(key, 0o600)
    ca.write_bytes(ca_cert.public_bytes(pem))
    cert.write_bytes(leaf.public_bytes(pem) + ca_cert.public_bytes(pem))


# ------------------------------------------------------------------------------------ manifest

@lru_cache(maxsize=8)
def _sha256(path: str, mtime: float) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_hashes(engine: str, checkpoint: str | os.PathLike | None = None, *,
                 upscaler: str | os.PathLike | None = None, morph: bool = False) -> dict[str, str]:
    """sha256 of each checkpoint file that drew frames: a learned engine's (the shipped ones, or
    those of the `checkpoint` folder it was given, --model), its learned upscaler's (`upscaler`: a
    folder, or None when it upscales by bicubic), and the video VAE's when `morph` transitions
    were drawn with it; {} for the scene engine alone."""
    files: list[Path] = []
    if engine in LEARNED_ENGINES:
        files = sorted((Path(checkpoint) if checkpoint is not None else CHECKPOINTS / engine).glob("*.safetensors"))
    if (engine in LEARNED_ENGINES or morph) and not any(p.name == "vae.safetensors" for p in files):
        files.append(CHECKPOINTS / "flow" / "vae.safetensors")   # gan, vae and the morph decode with flow's VAE
    if upscaler is not None:
        files += sorted(Path(upscaler).glob("*.safetensors"))
    return {p.name: _sha256(str(p), p.stat().st_mtime) for p in files if p.exists()}


def generation_manifest(*, title: str, engine: str, prompt: str | None, watermark: str | None,
                        video_id: str, version: str, checkpoint: str | os.PathLike | None = None,
                        upscaler: str | os.PathLike | None = None, morph: bool = False,
                        project: str | None = None) -> dict:
    """The manifest definition c2pa-python signs (claim generator, actions, our assertion)."""
    source = digital_source_type(engine, morph)
    hashes = model_hashes(engine, checkpoint, upscaler=upscaler, morph=morph)
    return {
        "claim_generator_info": [{"name": "aigc-video", "version": version}],
        "title": title,
        "format": "video/mp4",
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [{
                "action": "c2pa.created", "digitalSourceType": source,
                "softwareAgent": {"name": "aigc-video", "version": version},
                "description": f"generated from text by the aigc-video '{engine}' engine"}]}},
            {"label": ASSERTION, "data": {
                "engine": engine, "digital_source_type": source, "model_sha256": hashes,
                "prompt": prompt, "video_id": video_id, "watermark": watermark,
                **({"project": project} if project is not None else {})}},
        ],
    }


def sign_mp4(path: str | os.PathLike, manifest: dict, identity: Identity) -> None:
    """Embed `manifest`, signed by `identity`, into the MP4 at `path` (replaced in one rename)."""
    c2pa = _c2pa()
    path = Path(path)
    mode = path.stat().st_mode & 0o777
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.signing-")
    os.close(fd)
    try:
        info = c2pa.C2paSignerInfo(identity.alg.encode(), identity.chain_pem, identity.key_pem, None)
        with c2pa.Signer.from_info(info) as signer, c2pa.Builder(manifest) as builder:
            with open(path, "rb") as src, open(tmp, "w+b") as dst:
                builder.sign(signer, "video/mp4", src, dst)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_manifest(path: str | os.PathLike, trust: bytes | None = None) -> dict:
    """The manifest of an MP4: {"status": "valid" | "tampered" | "absent", "trusted": bool,
    "failures": [codes], "claims": {...}}. `trust`: extra PEM anchors (the local CA by default)."""
    c2pa = _c2pa()
    if trust is None:
        ca = config_dir() / "signing-ca.pem"
        trust = ca.read_bytes() if ca.is_file() else None
    settings = {"verify": {"ocsp_fetch": False, "remote_manifest_fetch": False}}
    if trust:
        settings["trust"] = {"user_anchors": trust.decode()}
    context = c2pa.Context.from_dict(settings)
    try:
        with c2pa.Reader(str(path), context=context) as reader:
            store = json.loads(reader.json())
            state = reader.get_validation_state()
    except c2pa.C2paError as e:
        if type(e).__name__.endswith("ManifestNotFound") or "ManifestNotFound" in str(e):
            return {"status": "absent", "trusted": False, "failures": [], "claims": None}
        # A manifest box is there but cannot be parsed: it was damaged after signing.
        return {"status": "tampered", "trusted": False, "failures": [f"unreadable: {e}"], "claims": None}
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = sorted({f["code"] for f in results.get("failure", [])})
    intact = state in ("Valid", "Trusted") and set(failures) <= UNTRUSTED_ONLY
    return {"status": "valid" if intact else "tampered", "trusted": state == "Trusted",
            "validation_state": state, "failures": failures, "claims": _claims(store)}


def _claims(store: dict) -> dict | None:
    active = (store.get("manifests") or {}).get(store.get("active_manifest") or "")
    if not active:
        return None
    out = {"claim_generator": [f"{g.get('name')} {g.get('version', '')}".strip()
                               for g in active.get("claim_generator_info", [])],
           "signer": (active.get("signature_info") or {}).get("common_name"),
           "issuer": (active.get("signature_info") or {}).get("issuer"),
           "signed_at": (active.get("signature_info") or {}).get("time")}
    for a in active.get("assertions", []):
        if a.get("label", "").startswith("c2pa.actions"):
            out["actions"] = [{k: act.get(k) for k in ("action", "digitalSourceType")}
                              for act in a.get("data", {}).get("actions", [])]
        elif a.get("label") == ASSERTION:
            out["generation"] = a.get("data")
    return out


# ------------------------------------------------------------------------------ one video's marks

@dataclass
class Marks:
    """What one video is marked with: a frame watermarker (or None), a `sign(tmp_path)` to call
    on the finished MP4 before it is renamed into place (or None), and the report's section."""
    watermarker: object | None
    sign: object | None
    report: dict


def prepare(*, text: str, engine: str, settings: dict, width: int, height: int, title: str,
            c2pa: bool = True, watermark: bool = True, prompt_in_manifest: bool = True,
            sign_cert: str | None = None, sign_key: str | None = None,
            checkpoint: str | os.PathLike | None = None, upscaler: str | os.PathLike | None = None,
            morph: bool = False, project: str | None = None) -> Marks:
    """Check the signing identity and make the marks for one video, before any heavy work.

    The video id is derived from what defines the video (text, settings, engine and, when given,
    the engine's checkpoint folder and learned upscaler), so the same run makes the same frames; it
    links the watermark to the manifest and the report. With a `project` it is the project's
    instead, the same for every video of the project: edits of a script then keep the watermark,
    and the shots they leave alone keep their encoded segments (synthesis/segments.py); the C2PA
    manifest still tells the videos apart. upscaler: the learned upscaler's folder, None for
    bicubic; morph: some transitions are VAE morphs."""
    from .. import __version__
    from . import watermark as wm

    if (sign_cert is None) != (sign_key is None):
        raise InputError("--sign-cert and --sign-key go together (give both, or neither for the local identity)")
    if not c2pa and (sign_cert or sign_key):
        raise InputError("--sign-cert/--sign-key sign the C2PA manifest, which --no-c2pa leaves out")
    defined = {"text": text, "engine": engine, "settings": settings}
    if checkpoint is not None:   # other weights, other frames (absent otherwise: ids stay as they were)
        defined["model_sha256"] = model_hashes(engine, checkpoint)
    if upscaler is not None:     # (absent for bicubic: ids stay as they were)
        defined["upscaler_sha256"] = model_hashes("render", upscaler=upscaler)
    vid = wm.video_id(json.dumps({"project": project} if project is not None else defined,
                                 sort_keys=True, ensure_ascii=False, default=str))
    payload = wm.Payload(wm.PROJECT_ID, vid)
    section = {"digital_source_type": digital_source_type(engine, morph), "video_id": f"{vid:08x}", "project": project,
               "watermark": {"applied": watermark, "payload": payload.hex() if watermark else None,
                             "scheme": "aigc-video spread-spectrum luma tile v2" if watermark else None},
               "manifest": {"signed": False, "cert_subject": None, "prompt_included": False}}
    marker = wm.Watermarker(payload, width, height) if watermark else None
    sign = None
    if c2pa:
        _c2pa()                                          # missing package: named now, not after encoding
        identity = (load_identity(sign_cert, sign_key) if sign_cert else local_identity())
        manifest = generation_manifest(title=title, engine=engine,
                                       prompt=text if prompt_in_manifest else None,
                                       watermark=payload.hex() if watermark else None,
                                       video_id=f"{vid:08x}", version=__version__, checkpoint=checkpoint,
                                       upscaler=upscaler, morph=morph, project=project)
        section["manifest"] = {"signed": True, "cert_subject": identity.subject,
                               "local_identity": identity.local, "alg": identity.alg,
                               "prompt_included": prompt_in_manifest,
                               "model_sha256": manifest["assertions"][1]["data"]["model_sha256"]}

        def sign(tmp_path: Path) -> None:
            sign_mp4(tmp_path, manifest, identity)
    return Marks(marker, sign, section)
