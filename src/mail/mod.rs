//! Outgoing email: templates (`templates`), render contexts (`context`), the database outbox
//! (`outbox`), and delivery (`transport`).

mod blocks;
pub mod context;
pub(crate) mod helpers;
pub mod outbox;
pub mod templates;
pub mod transport;

pub use templates::{Rendered, TemplateError, Templates};
pub use transport::{OutgoingMail, SendError, Transport, TransportConfig};
