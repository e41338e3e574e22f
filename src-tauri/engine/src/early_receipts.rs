//! Receipts that outrun their message: WhatsApp may deliver a contact's receipt before
//! the send that caused it has stored the message (it is stored only once WhatsApp
//! took it). Such receipts wait here, briefly and bounded, until the sender stores
//! the message and applies them.

use std::collections::VecDeque;

use crate::conversation::Delivery;

/// Receipts for messages no row matched yet; the oldest go first when full.
const CAPACITY: usize = 1024;

#[derive(Default)]
pub(crate) struct EarlyReceipts {
    waiting: VecDeque<(String, String, String, Delivery)>,
}

impl EarlyReceipts {
    /// Keeps a receipt whose message was not stored (yet).
    pub(crate) fn keep(
        &mut self,
        instance_id: &str,
        chat: &str,
        message_id: &str,
        delivery: Delivery,
    ) {
        if self.waiting.len() == CAPACITY {
            self.waiting.pop_front();
        }
        self.waiting.push_back((
            instance_id.to_string(),
            chat.to_string(),
            message_id.to_string(),
            delivery,
        ));
    }

    /// The receipts kept for one message, in the order they came.
    pub(crate) fn take(
        &mut self,
        instance_id: &str,
        chat: &str,
        message_id: &str,
    ) -> Vec<Delivery> {
        let mut taken = Vec::new();
        self.waiting.retain(|(i, c, m, delivery)| {
            let mine = i == instance_id && c == chat && m == message_id;
            if mine {
                taken.push(*delivery);
            }
            !mine
        });
        taken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receipts_wait_for_their_message_in_order_and_within_bounds() {
        let mut early = EarlyReceipts::default();
        early.keep("i", "c", "m1", Delivery::Delivered);
        early.keep("i", "c", "m2", Delivery::Delivered);
        early.keep("i", "c", "m1", Delivery::Read);
        assert_eq!(
            early.take("i", "c", "m1"),
            [Delivery::Delivered, Delivery::Read]
        );
        assert!(early.take("i", "c", "m1").is_empty());
        assert!(early.take("other", "c", "m2").is_empty());
        for n in 0..CAPACITY {
            early.keep("i", "c", &format!("x{n}"), Delivery::Read);
        }
        assert!(
            early.take("i", "c", "m2").is_empty(),
            "the oldest went first"
        );
        assert_eq!(early.take("i", "c", "x1"), [Delivery::Read]);
    }
}
