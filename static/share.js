// The share offer (templates/_share.html): the phone's share sheet where there is one, else WhatsApp and copying.
// The server wrote the message in the page's language; nothing here changes its words.

for (const box of document.querySelectorAll("[data-share]")) {
  const button = box.querySelector("[data-share-button]");
  const whatsapp = box.querySelector("[data-share-whatsapp]");
  const copy = box.querySelector("[data-share-copy]");
  const copied = box.querySelector("[data-share-copied]");
  const message = box.querySelector("[data-share-message]");
  const data = { title: button.dataset.title, text: button.dataset.text, url: button.dataset.url };

  if (typeof navigator.share === "function" && (!navigator.canShare || navigator.canShare(data))) {
    button.hidden = false;
    whatsapp.hidden = true; // the share sheet holds WhatsApp and every other app
    button.addEventListener("click", async () => {
      try {
        await navigator.share(data);
      } catch (error) {
        if (error.name !== "AbortError") whatsapp.hidden = false; // could not share: the link still works
      }
    });
  }

  if (navigator.clipboard && typeof navigator.clipboard.writeText === "function") {
    copy.hidden = false;
    copy.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(message.value);
        copied.hidden = false;
      } catch {
        message.focus();
        message.select(); // the person copies it themselves
      }
    });
  }
}
