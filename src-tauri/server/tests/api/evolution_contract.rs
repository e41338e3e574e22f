//! Evolution API's dialect, route by route: a table of requests with the status and the
//! JSON shape (field names and types) Evolution's reference gives them, through a real
//! HTTP client against `switchboard-server` on wa-mock; then every bad request of the
//! table leaves the instances exactly as they were.

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use wa_mock::{PhoneProfile, WaMock};

use crate::support::{Options, Server, WAIT};

const IDLE_TOKEN: &str = "idle-token-0123456789";
const CUSTOMER: &str = "5511955554444";
/// A 1x1 PNG.
const PIXEL: &str = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAcCBlCwAAAABJRU5ErkJggg==";

#[derive(Clone, Copy)]
enum Key {
    Global,
    Idle,
    Wrong,
    Missing,
}

/// What a field must be.
#[derive(Clone, Copy, Debug)]
enum Is {
    Str,
    Num,
    Bool,
    List,
    Obj,
    Null,
}

struct Case {
    method: Method,
    path: &'static str,
    key: Key,
    body: Option<Value>,
    status: u16,
    /// JSON pointers and the type each must have; for refusals, the exact message.
    shape: &'static [(&'static str, Is)],
    message: Option<&'static str>,
}

fn case(method: Method, path: &'static str, body: Option<Value>, status: u16) -> Case {
    Case {
        method,
        path,
        key: Key::Global,
        body,
        status,
        shape: &[],
        message: None,
    }
}

impl Case {
    fn key(mut self, key: Key) -> Self {
        self.key = key;
        self
    }
    fn shape(mut self, shape: &'static [(&'static str, Is)]) -> Self {
        self.shape = shape;
        self
    }
    fn says(mut self, message: &'static str) -> Self {
        self.message = Some(message);
        self
    }
}

fn has_type(value: &Value, is: Is) -> bool {
    match is {
        Is::Str => value.is_string(),
        Is::Num => value.is_number(),
        Is::Bool => value.is_boolean(),
        Is::List => value.is_array(),
        Is::Obj => value.is_object(),
        Is::Null => value.is_null(),
    }
}

async fn run(server: &Server, cases: Vec<Case>) {
    for case in cases {
        let key = match case.key {
            Key::Global => Some(server.account.as_str()),
            Key::Idle => Some(IDLE_TOKEN),
            Key::Wrong => Some("not-a-key-anybody-holds"),
            Key::Missing => None,
        };
        let what = format!("{} {}", case.method, case.path);
        let (status, body) = server
            .evolution(case.method, case.path, key, case.body)
            .await;
        assert_eq!(status.as_u16(), case.status, "{what}: {body}");
        for (pointer, is) in case.shape {
            let field = body.pointer(pointer).unwrap_or(&Value::Null);
            assert!(
                has_type(field, *is),
                "{what}: {pointer} is not {is:?} in {body}"
            );
        }
        if status.is_client_error() || status.is_server_error() {
            assert_eq!(body["error"], true, "{what}: {body}");
            assert_eq!(body["status"], case.status, "{what}: {body}");
            assert!(body["response"]["message"].is_array(), "{what}: {body}");
        }
        if let Some(message) = case.message {
            assert_eq!(body["message"], message, "{what}: {body}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_route_answers_evolutions_statuses_and_shapes() {
    let mock = WaMock::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), Options::default().wa(mock.ws_url())).await;
    use Is::*;

    // Created with its first QR code, which wa-mock's phone scans.
    let (status, created) = server
        .evolution(
            Method::POST,
            "/instance/create",
            Some(server.account.as_str()),
            Some(json!({ "instanceName": "shop", "qrcode": true, "integration": "WHATSAPP-BAILEYS" })),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    for (pointer, is) in [
        ("/instance/instanceName", Str),
        ("/instance/instanceId", Str),
        ("/instance/status", Str),
        ("/hash", Str),
        ("/settings/rejectCall", Bool),
        ("/qrcode/code", Str),
        ("/qrcode/base64", Str),
    ] {
        assert!(
            has_type(created.pointer(pointer).unwrap_or(&Value::Null), is),
            "{pointer}: {created}"
        );
    }
    let profile = PhoneProfile {
        phone: "5511911112222".into(),
        name: "Shop".into(),
        business: None,
    };
    mock.scan(created["qrcode"]["code"].as_str().unwrap(), &profile)
        .unwrap();
    tokio::time::timeout(WAIT, async {
        loop {
            let (_, state) = server
                .evolution(
                    Method::GET,
                    "/instance/connectionState/shop",
                    Some(&server.account),
                    None,
                )
                .await;
            if state["instance"]["state"] == "open" {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    })
    .await
    .expect("shop opens");

    let happy = vec![
        case(Method::POST, "/instance/create", Some(json!({"instanceName": "idle", "token": IDLE_TOKEN, "rejectCall": true})), 201)
            .shape(&[("/instance/instanceName", Str), ("/hash", Str), ("/instance/status", Str), ("/settings/rejectCall", Bool), ("/qrcode", Null)]),
        case(Method::GET, "/instance/fetchInstances", None, 200)
            .shape(&[("/0/id", Str), ("/0/name", Str), ("/0/connectionStatus", Str), ("/0/token", Str), ("/0/integration", Str), ("/0/Setting", Obj), ("/0/_count/Message", Num)]),
        case(Method::GET, "/instance/fetchInstances?instanceName=idle", None, 200).shape(&[("/0/name", Str), ("/1", Null)]),
        case(Method::GET, "/instance/fetchInstances", None, 200).key(Key::Idle).shape(&[("/0/name", Str), ("/1", Null)]),
        case(Method::GET, "/instance/connectionState/shop", None, 200).shape(&[("/instance/instanceName", Str), ("/instance/state", Str)]),
        case(Method::GET, "/instance/connectionState/idle", None, 200).key(Key::Idle).shape(&[("/instance/state", Str)]),
        case(Method::GET, "/instance/connect/shop", None, 200).shape(&[("/instance/state", Str)]),
        case(Method::GET, "/settings/find/idle", None, 200).shape(&[("/rejectCall", Bool), ("/msgCall", Str), ("/groupsIgnore", Bool), ("/alwaysOnline", Bool), ("/readMessages", Bool), ("/readStatus", Bool), ("/syncFullHistory", Bool)]),
        case(Method::POST, "/settings/set/idle", Some(json!({"rejectCall": true, "msgCall": "busy", "groupsIgnore": true, "alwaysOnline": false, "readMessages": true, "readStatus": false, "syncFullHistory": false})), 201)
            .shape(&[("/settings/instanceName", Str), ("/settings/settings/rejectCall", Bool), ("/settings/settings/msgCall", Str)]),
        case(Method::GET, "/webhook/find/idle", None, 200).shape(&[("", Null)]),
        case(Method::POST, "/webhook/set/idle", Some(json!({"webhook": {"enabled": true, "url": "http://127.0.0.1:9/hook", "byEvents": true, "events": ["MESSAGES_UPSERT", "CONNECTION_UPDATE"], "headers": {"authorization": "Bearer x"}}})), 201)
            .shape(&[("/url", Str), ("/events", List), ("/webhookByEvents", Bool), ("/enabled", Bool)]),
        case(Method::GET, "/webhook/find/idle", None, 200).shape(&[("/url", Str), ("/events/1", Str), ("/headers/authorization", Str)]),
        case(Method::GET, "/proxy/find/idle", None, 200).shape(&[("", Null)]),
        case(Method::POST, "/proxy/set/idle", Some(json!({"enabled": true, "host": "127.0.0.1", "port": "3128", "protocol": "http", "username": "u", "password": "p"})), 201)
            .shape(&[("/host", Str), ("/port", Str), ("/protocol", Str), ("/enabled", Bool)]),
        case(Method::GET, "/proxy/find/idle", None, 200).shape(&[("/host", Str), ("/password", Str)]),
        case(Method::POST, "/message/sendText/shop", Some(json!({"number": CUSTOMER, "text": "Hello from Evolution's dialect"})), 201)
            .shape(&[("/key/id", Str), ("/key/remoteJid", Str), ("/key/fromMe", Bool), ("/message/conversation", Str), ("/messageType", Str), ("/messageTimestamp", Num), ("/status", Str)]),
        case(Method::POST, "/message/sendMedia/shop", Some(json!({"number": CUSTOMER, "mediatype": "image", "mimetype": "image/png", "caption": "a pixel", "media": PIXEL, "fileName": "pixel.png"})), 201)
            .shape(&[("/key/id", Str), ("/messageType", Str), ("/message/imageMessage/caption", Str)]),
        case(Method::POST, "/chat/findChats/shop", Some(json!({})), 200).shape(&[("/0/remoteJid", Str), ("/0/updatedAt", Str)]),
        case(Method::POST, "/chat/findMessages/shop", Some(json!({"where": {"key": {"remoteJid": format!("{CUSTOMER}@s.whatsapp.net")}}, "page": 1, "offset": 10})), 200)
            .shape(&[("/messages/total", Num), ("/messages/pages", Num), ("/messages/currentPage", Num), ("/messages/records/1/key/id", Str), ("/messages/records/0/messageType", Str)]),
    ];
    run(&server, happy).await;

    let before = server
        .evolution(
            Method::GET,
            "/instance/fetchInstances",
            Some(&server.account),
            None,
        )
        .await
        .1;
    let unhappy = vec![
        case(Method::GET, "/instance/fetchInstances", None, 401)
            .key(Key::Missing)
            .says("Unauthorized"),
        case(Method::GET, "/instance/fetchInstances", None, 401)
            .key(Key::Wrong)
            .says("Unauthorized"),
        case(
            Method::POST,
            "/instance/create",
            Some(json!({"instanceName": "other"})),
            401,
        )
        .key(Key::Idle),
        case(
            Method::POST,
            "/instance/create",
            Some(json!({"instanceName": "idle"})),
            403,
        )
        .says("This name \"idle\" is already in use."),
        case(Method::POST, "/instance/create", Some(json!({})), 400)
            .says("instanceName is required"),
        case(
            Method::POST,
            "/instance/create",
            Some(json!({"instanceName": "cw", "chatwootUrl": "http://127.0.0.1:9"})),
            501,
        ),
        case(
            Method::POST,
            "/instance/create",
            Some(json!({"instanceName": "meta", "integration": "WHATSAPP-BUSINESS"})),
            501,
        ),
        case(
            Method::POST,
            "/instance/create",
            Some(json!({"instanceName": "dup", "token": IDLE_TOKEN})),
            400,
        ),
        case(
            Method::POST,
            "/instance/create",
            Some(json!({"instanceName": "bad name!"})),
            400,
        ),
        case(
            Method::GET,
            "/instance/fetchInstances?instanceName=ghost",
            None,
            404,
        )
        .says("Instance \"ghost\" not found"),
        case(Method::GET, "/instance/connectionState/ghost", None, 404)
            .says("The \"ghost\" instance does not exist"),
        case(Method::GET, "/instance/connectionState/shop", None, 401).key(Key::Idle),
        case(Method::POST, "/instance/restart/idle", None, 400),
        case(Method::DELETE, "/instance/logout/idle", None, 400),
        case(Method::DELETE, "/instance/delete/idle", None, 401).key(Key::Idle),
        case(Method::DELETE, "/instance/delete/ghost", None, 400)
            .says("The \"ghost\" instance does not exist"),
        case(
            Method::POST,
            "/settings/set/idle",
            Some(json!({"rejectCall": false})),
            400,
        ),
        case(
            Method::POST,
            "/settings/set/idle",
            Some(
                json!({"rejectCall": false, "groupsIgnore": false, "alwaysOnline": false, "readMessages": false, "readStatus": true, "syncFullHistory": false}),
            ),
            400,
        ),
        case(
            Method::POST,
            "/settings/set/idle",
            Some(json!("not an object")),
            400,
        ),
        case(
            Method::POST,
            "/webhook/set/idle",
            Some(json!({"webhook": {"url": "http://127.0.0.1:9/x", "events": ["GROUPS_UPSERT"]}})),
            400,
        ),
        case(
            Method::POST,
            "/webhook/set/idle",
            Some(json!({"webhook": {"url": "http://127.0.0.1:9/x", "base64": true}})),
            400,
        ),
        case(
            Method::POST,
            "/webhook/set/idle",
            Some(json!({"webhook": {"url": "ftp://127.0.0.1/x"}})),
            400,
        ),
        case(Method::POST, "/webhook/set/idle", Some(json!({})), 400),
        case(
            Method::POST,
            "/proxy/set/idle",
            Some(json!({"enabled": true})),
            400,
        ),
        case(
            Method::POST,
            "/message/sendText/idle",
            Some(json!({"number": CUSTOMER, "text": "hi"})),
            400,
        )
        .says("The \"idle\" instance is not connected"),
        case(
            Method::POST,
            "/message/sendText/shop",
            Some(json!({"number": CUSTOMER})),
            400,
        )
        .says("text is required"),
        case(
            Method::POST,
            "/message/sendText/shop",
            Some(json!({"text": "hi"})),
            400,
        )
        .says("number is required"),
        case(
            Method::POST,
            "/message/sendText/shop",
            Some(json!({"number": "12", "text": "hi"})),
            400,
        ),
        case(
            Method::POST,
            "/message/sendText/shop",
            Some(json!({"number": CUSTOMER, "text": "hi", "mentionsEveryOne": true})),
            400,
        ),
        case(
            Method::POST,
            "/message/sendMedia/shop",
            Some(json!({"number": CUSTOMER, "mediatype": "sticker", "media": PIXEL})),
            400,
        ),
        case(
            Method::POST,
            "/message/sendMedia/shop",
            Some(json!({"number": CUSTOMER, "mediatype": "image", "media": "%%%"})),
            400,
        ),
        case(Method::POST, "/message/sendPoll/shop", Some(json!({})), 501),
        case(
            Method::POST,
            "/chat/findMessages/shop",
            Some(json!({})),
            400,
        ),
        case(
            Method::POST,
            "/chat/findMessages/shop",
            Some(json!({"where": {"key": {"remoteJid": CUSTOMER}}, "offset": 0})),
            400,
        ),
        case(Method::GET, "/group/fetchAllGroups/shop", None, 501),
        case(Method::POST, "/chatwoot/set/shop", Some(json!({})), 501),
        case(Method::GET, "/nothing/here", None, 404).says("Cannot GET /nothing/here"),
    ];
    run(&server, unhappy).await;
    let after = server
        .evolution(
            Method::GET,
            "/instance/fetchInstances",
            Some(&server.account),
            None,
        )
        .await
        .1;
    assert_eq!(after, before, "the bad requests changed nothing");
}
