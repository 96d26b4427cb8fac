// The sign-in page's "Install" button: shown only when the browser offers to install Ranks
// (it fires `beforeinstallprompt`), and then it asks the browser's own question.
(function () {
  "use strict";
  var button = document.querySelector("[data-install]");
  if (!button) {
    return;
  }
  var offer = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    offer = event;
    button.hidden = false;
  });
  button.addEventListener("click", function () {
    if (!offer) {
      return;
    }
    button.hidden = true;
    offer.prompt();
    offer = null;
  });
  window.addEventListener("appinstalled", function () {
    button.hidden = true;
    offer = null;
  });
})();
