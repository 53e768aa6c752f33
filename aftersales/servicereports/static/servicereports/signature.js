// Signature pad: the customer draws with a finger (or mouse/pen) on a canvas; on submit the
// drawing is sent as a PNG data URL in the hidden "signature" field.
(function () {
  "use strict";
  function setUp(form) {
    var canvas = form.querySelector("canvas");
    var field = form.querySelector("input[name$='signature']");
    var clear = form.querySelector("#btn-clear-signature");
    var empty = form.querySelector("#signature-empty");
    var ctx = canvas.getContext("2d");
    var drawing = false, inked = false, last = null;

    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var rect = canvas.getBoundingClientRect();
      canvas.width = Math.round(rect.width * ratio);
      canvas.height = Math.round(rect.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      inked = false;
    }
    function point(event) {
      var rect = canvas.getBoundingClientRect();
      return { x: event.clientX - rect.left, y: event.clientY - rect.top };
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      drawing = true;
      last = point(event);
      if (canvas.setPointerCapture) { canvas.setPointerCapture(event.pointerId); }
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) { return; }
      event.preventDefault();
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
      inked = true;
      if (empty) { empty.hidden = true; }
    });
    function stop() { drawing = false; last = null; }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);
    canvas.addEventListener("pointerleave", stop);
    clear.addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      field.value = "";
      inked = false;
    });
    form.addEventListener("submit", function (event) {
      if (!inked) {
        event.preventDefault();
        if (empty) { empty.hidden = false; }
        return;
      }
      field.value = canvas.toDataURL("image/png");
    });
    resize();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-signature-form]").forEach(setUp);
  });
})();
