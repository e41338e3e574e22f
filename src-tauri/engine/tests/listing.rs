//! The instance list is kept between reads; every change to what it shows, made by any
//! path or any connection to the database, shows in the very next list.

use engine_support::*;
use sqlx::SqlitePool;
use switchboard_engine::model::WebhookInput;

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
    let other = SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("switchboard.db").display()
    ))
    .await
    .unwrap();
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
    let names: Vec<String> = engine
        .list_instances()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.name)
        .collect();
    assert_eq!(names, ["shop"]);
}
