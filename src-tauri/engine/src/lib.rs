//! Account Desk's engine: signs in, keeps the cache and the server in step, and builds the views
//! the screens show. It knows nothing of Tauri; the app's commands are thin calls into [`Desk`].

mod desk;
mod error;
mod index;
mod views;

pub use desk::{Desk, SignInInfo, Status};
pub use error::{EngineError, ErrorView};
pub use index::{AccountIndex, Crumb, NodeView, SearchHit};
pub use views::{AccountView, TrunksView};
