// The element's entry: Streamlit calls the default export on every mount and data change.

export default async function (component) {
  const { data, parentElement, setStateValue } = component;
  if (!data) return undefined;
  let walk = parentElement.__walk;
  if (!walk) {
    walk = new Walk(parentElement);
    parentElement.__walk = walk;
  }
  await walk.update(data, { setStateValue });
  keepForOffline(data); // for the offline page (offline.js)
  if (walk.review) {
    walk.reported = null; // told again after every mount
    walk.reviewRefresh();
  }
  return () => { walk.destroy(); delete parentElement.__walk; };
}
