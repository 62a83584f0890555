// A large export's page (issue 15): poll its progress until the file is ready (or the
// export failed), then show the download link. Without JavaScript, reloading the page
// shows the same.

const box = document.getElementById("export-job");
const POLL_MS = 1000;

function show(state) {
  const bar = box.querySelector("progress");
  bar.value = state.percent;
  bar.textContent = `${state.percent} %`;
  box.querySelector("[data-done]").textContent = String(state.done);
  if (state.total !== null) box.querySelector("[data-total]").textContent = String(state.total);
  box.dataset.status = state.status;
  const messages = box.querySelector("template[data-messages]").content;
  const line = box.querySelector("[data-state]");
  if (state.status === "done") {
    line.textContent = messages.querySelector("[data-ready]").textContent;
    const link = box.querySelector("[data-download]");
    link.href = state.download_url;
    link.querySelector("[data-file]").textContent = state.file_name;
    link.hidden = false;
  } else if (state.status === "failed") {
    line.textContent = `${messages.querySelector("[data-failed]").textContent} ${state.error || ""}`;
  }
}

async function poll() {
  try {
    const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
    if (response.ok) {
      const state = await response.json();
      show(state);
      if (state.status === "done" || state.status === "failed" || state.status === "expired") return;
    }
  } catch {
    // offline for a moment: try again
  }
  setTimeout(poll, POLL_MS);
}

if (box && !["done", "failed", "expired"].includes(box.dataset.status)) poll();
