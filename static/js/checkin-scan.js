// Reads a member's QR code on the check-in and pickup pages. The camera is read
// with the browser's BarcodeDetector where there is one (Chrome on Android);
// elsewhere (Safari on iPhone, WeChat's browser, Firefox) video frames are drawn
// to a canvas and decoded with the vendored jsQR. A photo chosen with the file
// input goes through the same decoder, for phones whose camera permission is
// blocked. A decoded code fills the code field and submits the form exactly as
// a typed one would.
//
// After a scan the page reloads with the result; the camera then starts again
// by itself for the next member, but ignores the code it has just submitted
// until that code has left the picture, so a code held in front of the camera
// is submitted once, not in a loop.
(() => {
  const input = document.querySelector("input[name=code]");
  const button = document.getElementById("scan-button");
  const video = document.getElementById("scan-video");
  const photo = document.getElementById("scan-photo");
  const photoLabel = document.getElementById("scan-photo-label");
  const status = document.getElementById("scan-status");
  if (!input || !input.form || !button || !video) return;
  const form = input.form;

  let detector = null;
  if ("BarcodeDetector" in window) {
    try {
      detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    } catch (error) {
      detector = null; // no QR support in this browser's detector
    }
  }
  const jsQR = typeof window.jsQR === "function" ? window.jsQR : null;
  if (!detector && !jsQR) return;

  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });

  // jsQR reads pixels: the source is drawn scaled so that its longer side is at
  // most `longest` pixels (a 12-megapixel photo would take seconds).
  const decodeWithJsQR = (source, width, height, longest, inversion) => {
    const scale = Math.min(1, longest / Math.max(width, height));
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    context.drawImage(source, 0, 0, canvas.width, canvas.height);
    const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
    const found = jsQR(pixels.data, pixels.width, pixels.height, { inversionAttempts: inversion });
    return found && found.data ? found.data : null;
  };

  const decodeWithDetector = async (source) => {
    const codes = await detector.detect(source);
    return codes.length ? codes[0].rawValue : null;
  };

  const say = (key) => {
    if (!status) return;
    status.textContent = key ? status.dataset[key] || "" : "";
    status.classList.toggle("d-none", !key);
  };

  // What the scanner did on this page before the last reload.
  const storageKey = `portal-scan:${window.location.pathname}`;
  const load = () => {
    try {
      return JSON.parse(window.sessionStorage.getItem(storageKey)) || {};
    } catch (error) {
      return {};
    }
  };
  const save = (state) => {
    try {
      window.sessionStorage.setItem(storageKey, JSON.stringify(state));
    } catch (error) {
      // private browsing without storage: the camera simply does not restart
    }
  };

  let stream = null;
  let submitted = false;

  const stop = () => {
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    video.srcObject = null;
    video.classList.add("d-none");
    button.textContent = button.dataset.startLabel;
  };

  const submit = (code, fromCamera) => {
    if (submitted) return;
    submitted = true;
    stop();
    save({ camera: fromCamera, code });
    input.value = code.trim();
    if (typeof form.requestSubmit === "function") form.requestSubmit();
    else form.submit();
  };

  // The code submitted last is ignored while it stays in the picture.
  let ignored = load().code || null;
  let ignoredSeenAt = Date.now();

  const watch = async () => {
    if (!stream || submitted) return;
    let code = null;
    if (video.readyState >= 2 && video.videoWidth) {
      try {
        code = detector
          ? await decodeWithDetector(video)
          : decodeWithJsQR(video, video.videoWidth, video.videoHeight, 800, "dontInvert");
      } catch (error) {
        code = null;
      }
    }
    const now = Date.now();
    if (code && code === ignored) {
      ignoredSeenAt = now;
      code = null;
    } else if (ignored && now - ignoredSeenAt > 1500) {
      ignored = null;
    }
    if (code) {
      submit(code, true);
      return;
    }
    // jsQR takes tens of milliseconds a frame: about eight looks a second.
    window.setTimeout(() => window.requestAnimationFrame(watch), detector ? 0 : 120);
  };

  const start = async () => {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      say("noCamera");
      return;
    }
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
      video.srcObject = stream;
      video.classList.remove("d-none");
      await video.play();
    } catch (error) {
      stop();
      save({});
      say("noCamera");
      return;
    }
    say(null);
    button.textContent = button.dataset.stopLabel;
    save({ camera: true, code: ignored });
    watch();
  };

  button.classList.remove("d-none");
  button.dataset.startLabel = button.textContent;
  button.addEventListener("click", () => {
    if (stream) {
      stop();
      save({});
    } else {
      start();
    }
  });

  const readPhoto = async (file) => {
    // createImageBitmap reads the file without a blob: URL (the CSP has none).
    const bitmap = await window.createImageBitmap(file);
    try {
      let code = null;
      if (detector) {
        try {
          code = await decodeWithDetector(bitmap);
        } catch (error) {
          code = null;
        }
      }
      if (!code && jsQR) {
        code =
          decodeWithJsQR(bitmap, bitmap.width, bitmap.height, 1280, "attemptBoth") ||
          decodeWithJsQR(bitmap, bitmap.width, bitmap.height, 2400, "attemptBoth");
      }
      return code;
    } finally {
      if (bitmap.close) bitmap.close();
    }
  };

  if (photo && photoLabel && typeof window.createImageBitmap === "function") {
    photoLabel.classList.remove("d-none");
    photo.addEventListener("change", async () => {
      const file = photo.files && photo.files[0];
      if (!file) return;
      say("reading");
      let code = null;
      try {
        code = await readPhoto(file);
      } catch (error) {
        code = null;
      }
      photo.value = "";
      if (code) {
        say(null);
        submit(code, false);
      } else {
        say("notFound");
      }
    });
  }

  if (load().camera) start();
})();
