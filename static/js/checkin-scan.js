// Scans a registration's QR code with the phone camera where the browser has a
// built-in BarcodeDetector (Chrome on Android); elsewhere the code is typed.
(() => {
  const button = document.getElementById("scan-button");
  const video = document.getElementById("scan-video");
  const input = document.querySelector("input[name=code]");
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices || !button) return;
  button.classList.remove("d-none");
  button.addEventListener("click", async () => {
    const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
    video.srcObject = stream;
    video.classList.remove("d-none");
    await video.play();
    const tick = async () => {
      const codes = await detector.detect(video);
      if (codes.length) {
        stream.getTracks().forEach((track) => track.stop());
        input.value = codes[0].rawValue;
        input.form.submit();
        return;
      }
      requestAnimationFrame(tick);
    };
    tick();
  });
})();
