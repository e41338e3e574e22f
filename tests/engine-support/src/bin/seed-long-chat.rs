//! Prepares a data folder for the app benchmark's "first page painted": one number that
//! was never linked, holding a chat of N messages ("Long chat") and, for the floor, a
//! chat of one page ("One page"), written straight into its database.
//! `seed-long-chat <data-folder> <messages>`; prints `{"instance": …}`.

use std::path::PathBuf;

use engine_support::bench::{seed_long_chat, side_pool};
use switchboard_engine::model::CreateInstance;
use switchboard_engine::{Engine, EngineConfig};

const INSTANCE: &str = "long-chat";
/// (jid, name) of the long chat and of the floor's one-page chat.
const LONG: (&str, &str) = ("5511900000001@s.whatsapp.net", "Long chat");
const ONE_PAGE: (&str, &str) = ("5511900000002@s.whatsapp.net", "One page");
/// The window's page of messages.
const PAGE: i64 = 50;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(dir), Some(messages)) = (args.next(), args.next()) else {
        eprintln!("usage: seed-long-chat <data-folder> <messages>");
        std::process::exit(2);
    };
    let dir = PathBuf::from(dir);
    let messages: i64 = match messages.parse() {
        Ok(n) if n > 0 => n,
        _ => {
            eprintln!("messages must be a positive whole number, not {messages}");
            std::process::exit(2);
        }
    };
    // The engine lays out the folder and its schema; the rows go in by bulk SQL.
    let engine = Engine::open(EngineConfig::new(&dir)).await.unwrap();
    let instance = engine
        .create_instance(CreateInstance {
            name: INSTANCE.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let pool = side_pool(&dir).await;
    for ((jid, name), count) in [(LONG, messages), (ONE_PAGE, PAGE)] {
        seed_long_chat(&pool, &instance.id, jid, count).await;
        sqlx::query("UPDATE chats SET name = ? WHERE instance_id = ? AND jid = ?")
            .bind(name)
            .bind(&instance.id)
            .bind(jid)
            .execute(&pool)
            .await
            .unwrap();
    }
    pool.close().await;
    engine.shutdown().await;
    println!("{}", serde_json::json!({ "instance": INSTANCE }));
}
