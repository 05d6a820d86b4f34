"""End to end in headless Chromium: type a prompt, watch the storyboard and progress, play the video."""
from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                       reason=f"needs {CHROMIUM} and {CHROMEDRIVER} (apt: chromium chromium-driver)"),
]
selenium = pytest.importorskip("selenium")
pytest.importorskip("httpx")
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from aigc_video.serve.process import ServerProcess  # noqa: E402

PROMPT = "A red ball bounces on the grass. Two white stars spin slowly in the night sky."
SCREENSHOT_COPY = Path("/tmp/studio.png")  # one copy outside pytest's tmp tree, to look at


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                "--autoplay-policy=no-user-gesture-required", "--window-size=1400,1500"):
        options.add_argument(arg)
    # Selenium's own driver download cannot work offline: use the system chromedriver.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


def test_type_a_prompt_and_watch_the_video_play(tmp_path, browser):
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with ServerProcess(data_dir) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 90, poll_frequency=0.05)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#engine option"))
        engine = Select(browser.find_element(By.ID, "engine")).first_selected_option
        assert engine.get_attribute("value") == "render" and "procedural" in engine.text   # the default engine

        # Note the job's state at the moment the first storyboard card is drawn.
        browser.execute_script(
            "window.stateAtStoryboard = null; new MutationObserver(() => {"
            "  if (window.stateAtStoryboard === null && document.querySelector('#storyboard .shot'))"
            "    window.stateAtStoryboard = document.getElementById('job-state').textContent;"
            "}).observe(document.body, {subtree: true, childList: true, characterData: true});")

        # 1. Type a script, pick a small size and draft quality, submit.
        browser.find_element(By.ID, "text").send_keys(PROMPT)
        Select(browser.find_element(By.ID, "size")).select_by_value("320x180")
        Select(browser.find_element(By.ID, "quality")).select_by_value("12")
        browser.find_element(By.ID, "project").send_keys("studio test")
        browser.find_element(By.ID, "submit").click()

        # 2. The storyboard appears while the job is still running; the stages fill up.
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#storyboard .shot"))
        shots = browser.find_elements(By.CSS_SELECTOR, "#storyboard .shot")
        assert len(shots) == 2 and "ball" in shots[0].text and "star" in shots[1].text
        wait.until(lambda d: d.find_element(By.ID, "job-state").text.lower() in ("done", "failed"))
        assert browser.find_element(By.ID, "job-state").text.lower() == "done", \
            browser.find_element(By.ID, "job-error").text
        assert browser.execute_script("return window.stateAtStoryboard") == "running"
        stages = browser.find_elements(By.CSS_SELECTOR, "#stages .stage.complete")
        assert len(stages) == 5

        # 3. The video really plays: it has a picture, and time moves.
        player = browser.find_element(By.ID, "player")
        wait.until(lambda d: d.execute_script("return arguments[0].readyState", player) >= 2)
        browser.execute_script("arguments[0].muted = true; arguments[0].play();", player)
        t0 = browser.execute_script("return arguments[0].currentTime", player)
        wait.until(lambda d: d.execute_script("return arguments[0].currentTime", player) > t0 + 0.3)
        width, error = browser.execute_script(
            "return [arguments[0].videoWidth, arguments[0].error && arguments[0].error.message]", player)
        assert width == 320 and error is None
        browser.execute_script("arguments[0].pause(); arguments[0].currentTime = 1.0;", player)

        # 4. Downloads and the history gallery with its thumbnail.
        href = browser.find_element(By.ID, "dl-video").get_attribute("href")
        assert href.startswith(server.url + "/api/jobs/") and href.endswith("/video?download=true")
        assert server.client.get(href).headers["content-disposition"].startswith("attachment")
        job_id = href.split("/api/jobs/")[1].split("/")[0]
        assert server.client.get(f"/api/jobs/{job_id}/report").json()["provenance"]["project"] == "studio test"
        wait.until(lambda d: d.execute_script(
            "const img = document.querySelector('#gallery .card img');"
            "return img !== null && img.complete && img.naturalWidth > 0"))

        time.sleep(0.3)  # let the seek paint a frame for the screenshot
        shot = tmp_path / "studio.png"
        assert browser.save_screenshot(str(shot)) and shot.stat().st_size > 10_000
        if os.access(SCREENSHOT_COPY.parent, os.W_OK):
            shutil.copyfile(shot, SCREENSHOT_COPY)


def test_choose_a_picture_preview_it_and_make_a_video_from_it(tmp_path, browser):
    import hashlib

    import numpy as np
    from PIL import Image

    y, x = np.mgrid[0:150, 0:200]
    rgb = np.stack([x, y, (x + y) // 2], -1).astype(np.uint8)
    path = tmp_path / "pic.png"
    Image.fromarray(rgb).save(path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with ServerProcess(data_dir) as server:
        browser.get(server.url + "/")
        wait = WebDriverWait(browser, 90, poll_frequency=0.05)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#engine option"))
        assert browser.find_element(By.ID, "image").get_attribute("accept") == "image/png,image/jpeg,image/webp"

        # 1. Choose the picture: a small preview with its size appears.
        browser.find_element(By.ID, "image").send_keys(str(path))
        wait.until(lambda d: d.execute_script("const p = document.getElementById('image-preview');"
                                              "return p.complete && p.naturalWidth === 200"))
        assert "200×150" in browser.find_element(By.ID, "image-info").text
        assert browser.find_element(By.ID, "image-box").is_displayed()

        # 2. Make the video: the job carries the picture, byte for byte.
        browser.find_element(By.ID, "text").send_keys("A red ball bounces to the right.")
        Select(browser.find_element(By.ID, "size")).select_by_value("320x180")
        Select(browser.find_element(By.ID, "quality")).select_by_value("12")
        browser.find_element(By.ID, "submit").click()
        wait.until(lambda d: d.find_element(By.ID, "job-state").text.lower() in ("done", "failed"))
        assert browser.find_element(By.ID, "job-state").text.lower() == "done", \
            browser.find_element(By.ID, "job-error").text
        first_id = browser.execute_script("return state.current.id")
        image = server.client.get(f"/api/jobs/{first_id}").json()["request"]["image"]
        assert image["name"] == "pic.png" and image["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert "from pic.png" in browser.find_element(By.ID, "job-title").text
        wait.until(lambda d: d.execute_script("const p = document.getElementById('job-picture');"
                                              "return !p.hidden && p.complete && p.naturalWidth === 200"))

        # 3. "Run again" sends the server's stored copy of the picture with the next seed.
        browser.find_element(By.ID, "rerun").click()
        wait.until(lambda d: d.execute_script("return state.current.id") != first_id)
        again = server.client.get(f"/api/jobs/{browser.execute_script('return state.current.id')}").json()
        assert again["request"]["seed"] == 1 and again["request"]["image"]["sha256"] == image["sha256"]

        # 4. Removing the picture: the next job is made without one.
        browser.find_element(By.ID, "image-clear").click()
        assert not browser.find_element(By.ID, "image-box").is_displayed()
        assert browser.execute_script("return state.image === null && document.getElementById('image').value === ''")
        second_id = again["id"]
        browser.find_element(By.ID, "submit").click()
        wait.until(lambda d: d.execute_script("return state.current.id") != second_id)
        plain = server.client.get(f"/api/jobs/{browser.execute_script('return state.current.id')}").json()
        assert "image" not in plain["request"]
        assert not browser.find_element(By.ID, "job-picture").is_displayed()


def test_a_video_with_held_frames_plays_to_its_end_in_the_browser(tmp_path, browser):
    """Held frames (a repeat stored once, shown for longer: synthesis/encode.py) play in Chromium:
    the video lasts its full length and plays through to its end."""
    import numpy as np

    from aigc_video.synthesis.encode import encode, probe
    pictures = []
    for k in range(24):                     # 24 pictures, each shown for two frames of 24 fps: 2 s
        frame = np.full((96, 160, 3), 40, np.uint8)
        frame[:, 6 * k:6 * k + 12] = 230
        pictures += [frame, frame]
    path = encode(iter(pictures), 48, tmp_path / "held.mp4", width=160, height=96, fps=24,
                  audio=np.zeros(96000, np.float32))
    assert probe(path)["frames_stored"] < 30
    (tmp_path / "play.html").write_text('<video id="v" src="held.mp4" muted playsinline></video>')
    browser.get((tmp_path / "play.html").as_uri())
    wait = WebDriverWait(browser, 30, poll_frequency=0.05)
    player = browser.find_element(By.ID, "v")
    wait.until(lambda d: d.execute_script("return arguments[0].readyState", player) >= 1)
    assert abs(browser.execute_script("return arguments[0].duration", player) - 2.0) < 0.05
    browser.execute_script("window.endedAt = null; arguments[0].addEventListener('ended', "
                           "() => { window.endedAt = arguments[0].currentTime; }); arguments[0].play();", player)
    wait.until(lambda d: d.execute_script("return window.endedAt") is not None)
    assert browser.execute_script("return window.endedAt") >= 1.95
    assert browser.execute_script("return arguments[0].error", player) is None
