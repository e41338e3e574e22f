//! The instance list is kept between reads; every change to what it shows, made by any
//! path or any connection to the database, shows in the very next list.

use engine_support::*;
use switchboard_engine::model::{Settings, WebhookInput};

async fn listed(
    engine: &switchboard_engine::Engine,
    name: &str,
) -> switchboard_engine::model::Instance {
    engine
        .list_instances()
        .await
        .unwrap()
        .into_iter()
        .find(|i| i.name == name)
        .expect("listed")
}

#[tokio::test]
async fn the_list_follows_every_change_whoever_writes_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let shop = create(&engine, "shop").await;
    assert!(listed(&engine, "shop").await.webhook.is_none());

    // Through the engine's own operations.
    create(&engine, "support").await;
    assert_eq!(engine.list_instances().await.unwrap().len(), 2);
    engine
        .set_webhook(
            "shop",
            Some(WebhookInput {
                url: "http://127.0.0.1:9/hook".into(),
                events: Vec::new(),
                authorization: None,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    assert!(listed(&engine, "shop").await.webhook.is_some());

    // As an actor stores a session's chats and messages.
    seed(&engine, dir.path(), &shop, 2, 3, 1).await;
    let counts = listed(&engine, "shop").await.counts;
    assert_eq!(
        (counts.chats, counts.messages, counts.media_files),
        (2, 6, 2)
    );

    // From another connection to the same database, behind the engine's back.
    let other = app_db(dir.path()).await;
    sqlx::query("UPDATE instances SET push_name = 'Shop Front' WHERE id = ?")
        .bind(&shop.id)
        .execute(&other)
        .await
        .unwrap();
    assert_eq!(
        listed(&engine, "shop").await.profile.push_name.as_deref(),
        Some("Shop Front")
    );
    sqlx::query("DELETE FROM chats WHERE instance_id = ?")
        .bind(&shop.id)
        .execute(&other)
        .await
        .unwrap();
    assert_eq!(listed(&engine, "shop").await.counts.chats, 0);

    // A write that rolls back changes nothing the list shows.
    let mut rolled_back = other.begin().await.unwrap();
    sqlx::query("UPDATE instances SET push_name = 'Never' WHERE id = ?")
        .bind(&shop.id)
        .execute(&mut *rolled_back)
        .await
        .unwrap();
    rolled_back.rollback().await.unwrap();
    assert_eq!(
        listed(&engine, "shop").await.profile.push_name.as_deref(),
        Some("Shop Front")
    );

    engine.delete_instance("support").await.unwrap();
    assert_eq!(names(&engine.list_instances().await.unwrap()), ["shop"]);
}

fn names(list: &[switchboard_engine::model::Instance]) -> Vec<&str> {
    list.iter().map(|i| i.name.as_str()).collect()
}

#[tokio::test]
async fn a_list_read_again_in_part_keeps_the_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    create(&engine, "delta").await;
    assert_eq!(names(&engine.list_instances().await.unwrap()), ["delta"]);

    // Each read below re-reads only what changed since the one before.
    for name in ["charlie", "Alpha", "bravo"] {
        create(&engine, name).await;
    }
    let list = engine.list_instances().await.unwrap();
    assert_eq!(names(&list), ["Alpha", "bravo", "charlie", "delta"]);
    engine
        .update_settings(
            "delta",
            Settings {
                mark_messages_read: true,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    engine.delete_instance("bravo").await.unwrap();
    let list = engine.list_instances().await.unwrap();
    assert_eq!(names(&list), ["Alpha", "charlie", "delta"]);
    assert!(list[2].settings.mark_messages_read);

    // The same as a list read whole by an engine that kept nothing.
    drop(engine);
    let reopened = open(dir.path()).await;
    assert_eq!(reopened.list_instances().await.unwrap(), list);
}

#[tokio::test]
async fn chat_counts_follow_every_write_to_the_chats() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let shop = create(&engine, "shop").await;
    seed(&engine, dir.path(), &shop, 3, 4, 2).await;
    let counts = listed(&engine, "shop").await.counts;
    assert_eq!((counts.chats, counts.messages), (3, 12));

    let other = app_db(dir.path()).await;
    let sums = || async {
        sqlx::query_as::<_, (i64, i64, i64, i64)>(
            "SELECT COUNT(*), SUM(message_count), SUM(media_files), SUM(media_bytes)
             FROM chats WHERE instance_id = ?",
        )
        .bind(&shop.id)
        .fetch_one(&other)
        .await
        .unwrap()
    };
    for change in [
        "UPDATE chats SET message_count = message_count + 5, media_bytes = media_bytes + 7
         WHERE jid = (SELECT MIN(jid) FROM chats WHERE instance_id = ?1)",
        "DELETE FROM chats WHERE jid = (SELECT MAX(jid) FROM chats WHERE instance_id = ?1)",
        "INSERT INTO chats (instance_id, jid, message_count, media_files, media_bytes)
         VALUES (?1, 'new@s.whatsapp.net', 9, 1, 100)",
    ] {
        sqlx::query(change)
            .bind(&shop.id)
            .execute(&other)
            .await
            .unwrap();
        let listed = listed(&engine, "shop").await.counts;
        let (chats, messages, files, bytes) = sums().await;
        assert_eq!(
            (
                listed.chats,
                listed.messages,
                listed.media_files,
                listed.media_bytes
            ),
            (chats as u64, messages as u64, files as u64, bytes as u64),
            "after: {change}"
        );
    }
}
