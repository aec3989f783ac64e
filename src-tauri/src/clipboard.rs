//! The system clipboard, for text (IDs and request ids the window copies).

use parking_lot::Mutex;

/// Opened on first use and kept for the life of the app: on X11 the copied text is served by
/// the process that copied it, so it would vanish with a clipboard dropped after each copy.
#[derive(Default)]
pub struct Clipboard(Mutex<Option<arboard::Clipboard>>);

impl Clipboard {
    pub fn write_text(&self, text: String) -> Result<(), arboard::Error> {
        let mut held = self.0.lock();
        let clipboard = match held.as_mut() {
            Some(c) => c,
            None => held.insert(arboard::Clipboard::new()?),
        };
        clipboard.set_text(text)
    }
}
