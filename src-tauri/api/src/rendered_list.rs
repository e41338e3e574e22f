//! The account's whole instance list as a dialect last encoded it. Encoding 1,000
//! instances is most of a list request's cost, and integrations poll the list; the kept
//! bytes are answered again while the engine's [`ListingStamp`] is unchanged. That check
//! is exact: any change to a stored row, a live state or a deleting flag makes a new
//! stamp, so a kept answer is never older than the engine.

use std::sync::{Mutex, PoisonError};

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use switchboard_engine::model::Instance;
use switchboard_engine::{Engine, ErrorPayload, ListingStamp};

#[derive(Default)]
pub struct RenderedList(Mutex<Option<(ListingStamp, Bytes)>>);

impl RenderedList {
    /// The list as JSON: the kept bytes while the stamp holds, else `shape`d afresh
    /// from one stamped read and kept.
    pub async fn answer<T: Serialize>(
        &self,
        engine: &Engine,
        shape: impl FnOnce(&[Instance]) -> T,
    ) -> Result<Response, ErrorPayload> {
        let now = engine.listing_stamp().await?;
        if let Some(bytes) = self.kept_at(&now) {
            return Ok(json(bytes));
        }
        let (stamp, instances) = engine.list_instances_stamped().await?;
        let bytes =
            Bytes::from(serde_json::to_vec(&shape(&instances)).expect("a list encodes to JSON"));
        // Whichever of two concurrent reads lands last is kept: each is true to its stamp.
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some((stamp, bytes.clone()));
        Ok(json(bytes))
    }

    fn kept_at(&self, stamp: &ListingStamp) -> Option<Bytes> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        kept.as_ref()
            .filter(|(at, _)| at == stamp)
            .map(|(_, bytes)| bytes.clone())
    }
}

fn json(bytes: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], bytes).into_response()
}
