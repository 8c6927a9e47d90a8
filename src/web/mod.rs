//! The wasm edge: the only code that knows `JsValue`, the DOM and the Freshworks `client`.
//! (Placeholder until the sidebar lands: renders a heading so the build pipeline has output.)

use wasm_bindgen::prelude::*;

/// Mounts the app into `root`, given the Freshworks `client`.
#[wasm_bindgen]
pub fn mount(_client: JsValue, root: web_sys::Element) -> Result<(), JsValue> {
    let doc = root.owner_document().ok_or_else(|| JsValue::from_str("no document"))?;
    let h = doc.create_element("h2")?;
    h.set_text_content(Some("HighLevel"));
    root.append_child(&h)?;
    Ok(())
}
