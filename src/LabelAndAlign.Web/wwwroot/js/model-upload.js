// Sends the chosen files straight to POST /api/checkpoints, the one upload path (the API checks and stores them),
// with XMLHttpRequest: fetch() reports no upload progress. Each file goes as a part named by its file name. The
// page hears progress (at most every 100 ms) and the answer through its DotNetObjectReference.
export function upload(input, name, dotnet) {
  const form = new FormData();
  for (const file of input.files) form.append(file.name, file, file.name);
  const xhr = new XMLHttpRequest();
  let last = 0;
  xhr.upload.onprogress = e => {
    const now = performance.now();
    if (!e.lengthComputable || (now - last < 100 && e.loaded < e.total)) return;
    last = now;
    dotnet.invokeMethodAsync("OnProgress", e.loaded, e.total);
  };
  xhr.onload = () => dotnet.invokeMethodAsync("OnDone", xhr.status, xhr.responseText);
  xhr.onerror = () => dotnet.invokeMethodAsync("OnDone", 0, "");
  xhr.onabort = () => dotnet.invokeMethodAsync("OnDone", -1, "");
  xhr.open("POST", "/api/checkpoints?name=" + encodeURIComponent(name));
  xhr.send(form);
  return { abort: () => xhr.abort() };
}

// The names of the files chosen, so the page can say what is missing before anything is sent.
export function chosen(input) {
  return Array.from(input.files, f => f.name);
}
