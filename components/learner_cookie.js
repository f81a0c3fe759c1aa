// Keeps the anonymous learner id in a first-party cookie of this browser (components/learner.py).
// The server proposes an id; the browser keeps the one it already has (a tab opened a moment earlier
// may have set it), unless told to replace it ("forget me" gives the browser a new id). The id the
// browser ends up holding is sent back as the component's state.
function readCookie(name) {
  const prefix = name + "=";
  const found = document.cookie.split("; ").find((part) => part.startsWith(prefix));
  return found ? decodeURIComponent(found.slice(prefix.length)) : null;
}

export default function ({ data, setStateValue }) {
  let id = readCookie(data.name);
  if (!id || data.replace) {
    id = data.proposed;
    document.cookie = `${data.name}=${encodeURIComponent(id)}; Max-Age=${data.maxAge}; Path=/; SameSite=Lax`;
  }
  setStateValue("id", id);
}
