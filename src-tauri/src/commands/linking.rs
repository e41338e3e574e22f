use switchboard_engine::model::InstanceState;
use switchboard_engine::Error;

super::commands! {
    fn connect_qr(engine, name: String) -> InstanceState {
        engine.connect_qr(&name).await
    }

    /// Answers the 8-character pairing code to type on the phone.
    fn connect_code(engine, name: String, phone: String) -> String {
        engine.connect_code(&name, &phone).await
    }

    fn reconnect(engine, name: String) -> InstanceState {
        engine.reconnect(&name).await
    }

    /// The QR code drawn in Rust, as a PNG data URL the window can show under a strict CSP.
    fn qr_image(_engine, code: String) -> String {
        crate::qr::png_data_url(&code).map_err(Error::InvalidQr)
    }
}
