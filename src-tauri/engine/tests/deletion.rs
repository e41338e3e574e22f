//! Deleting an instance: the order, the webhook before the wipe, concurrency, and
//! crash safety (a child process aborted at each step, then a reopen).

use engine_support::*;
use switchboard_engine::model::{
    AuditAction, LogoutOutcome, Requester, Settings, WebhookInput, WebhookOutcome,
};
use switchboard_engine::ErrorCode;
use switchboard_engine::{Engine, EngineEvent};

#[tokio::test]
async fn delete_leaves_nothing_and_the_name_is_free_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let instance = create(&engine, "Shop").await;
    let neighbour = create(&engine, "neighbour").await;
    seed(&engine, dir.path(), &instance, 3, 20, 5).await;
    seed(&engine, dir.path(), &neighbour, 1, 4, 1).await;
    std::fs::write(
        instance_dir(dir.path(), &instance.id).join("session.db"),
        b"k",
    )
    .unwrap();
    let mut events = engine.subscribe();

    let report = engine.delete_instance("shop").await.unwrap();
    assert_eq!(report.instance_id, instance.id);
    assert_eq!(report.name, "Shop");
    assert_eq!(report.removed.chats, 3);
    assert_eq!(report.removed.messages, 60);
    assert_eq!(report.removed.media_files, 15);
    assert_eq!(
        report.removed.media_bytes,
        3 * (100 + 101 + 102 + 103 + 104)
    );
    assert_eq!(report.whatsapp_logout, LogoutOutcome::NotConnected);
    assert_eq!(report.webhook, WebhookOutcome::NotConfigured);

    assert_no_rows(dir.path(), &instance.id).await;
    assert!(!instance_dir(dir.path(), &instance.id).exists());
    assert!(trash_is_empty(dir.path()));
    let recreated = create(&engine, "SHOP").await;
    assert_ne!(recreated.id, instance.id);
    assert_eq!(engine.list_chats("shop").await.unwrap().len(), 0);

    // The neighbour is untouched.
    let left = engine.get_instance("neighbour").await.unwrap();
    assert_eq!(left.counts.messages, 4);
    assert!(instance_dir(dir.path(), &neighbour.id)
        .join("media")
        .is_dir());

    assert!(matches!(
        events.recv().await.unwrap(),
        EngineEvent::DeletionStarted { .. }
    ));
    match events.recv().await.unwrap() {
        EngineEvent::InstanceDeleted { report: r, .. } => assert_eq!(r, report),
        other => panic!("unexpected event {other:?}"),
    }
    // The name was used again: its log starts afresh; the deleted one's stays by its id.
    assert!(engine.audit_log(Some("shop")).await.unwrap().is_empty());
    let audit = engine.audit_log(None).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, AuditAction::DeleteInstance);
    assert_eq!(audit[0].instance_id, instance.id);
    assert_eq!(audit[0].result, "ok");
    assert_eq!(audit[0].removed, report.removed);
    assert_eq!(audit[0].requested_by, Requester::Window);
}

#[tokio::test]
async fn the_audit_trail_says_who_asked_for_each_action() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    create(&engine, "shop").await;
    create(&engine, "desk").await;
    engine
        .on_behalf_of(Requester::InstanceToken)
        .logout("shop")
        .await
        .unwrap();
    engine
        .on_behalf_of(Requester::AccountToken)
        .delete_instance("desk")
        .await
        .unwrap();
    engine.logout("shop").await.unwrap();
    let audit = engine.audit_log(None).await.unwrap();
    let asked: Vec<_> = audit
        .iter()
        .map(|r| (r.instance_name.as_str(), r.action, r.requested_by))
        .collect();
    assert_eq!(
        asked,
        [
            ("shop", AuditAction::Logout, Requester::Window),
            ("desk", AuditAction::DeleteInstance, Requester::AccountToken),
            ("shop", AuditAction::Logout, Requester::InstanceToken),
        ]
    );
}

#[tokio::test]
async fn delete_of_a_missing_or_invalid_name_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    create(&engine, "shop").await;
    assert_eq!(
        engine.delete_instance("nope").await.unwrap_err().code(),
        ErrorCode::InstanceNotFound
    );
    assert_eq!(
        engine.delete_instance("shop ").await.unwrap_err().code(),
        ErrorCode::InvalidName
    );
    assert_eq!(
        engine.delete_instance("").await.unwrap_err().code(),
        ErrorCode::InvalidName
    );
    assert_eq!(engine.list_instances().await.unwrap().len(), 1);
    engine.delete_instance("shop").await.unwrap();
    assert_eq!(
        engine.delete_instance("shop").await.unwrap_err().code(),
        ErrorCode::InstanceNotFound
    );
}

#[tokio::test]
async fn instance_delete_webhook_arrives_signed_before_the_folder_vanishes() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    // The instance id is known only after creation: create it, then point a receiver
    // that watches its folder at it.
    let probe = create(&engine, "shop").await;
    let folder = instance_dir(dir.path(), &probe.id);
    let receiver = Receiver::start(vec![], 200, Some(folder.clone())).await;
    let instance = engine
        .set_webhook(
            "shop",
            Some(switchboard_engine::model::WebhookInput {
                url: receiver.url.clone(),
                events: vec![],
                authorization: Some("Bearer secret-token".into()),
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let secret = instance.webhook.unwrap().secret;

    let report = engine.delete_instance("shop").await.unwrap();
    assert_eq!(report.webhook, WebhookOutcome::Delivered);
    assert!(!folder.exists());

    let deletes: Vec<_> = receiver
        .received()
        .into_iter()
        .filter(|r| r.body.contains("INSTANCE_DELETE"))
        .collect();
    assert_eq!(deletes.len(), 1);
    let request = &deletes[0];
    assert_eq!(
        request.body,
        format!(
            r#"{{"event":"INSTANCE_DELETE","instance":"shop","data":{{"instanceName":"shop","instanceId":"{}"}}}}"#,
            probe.id
        )
    );
    assert_eq!(
        request.watched_path_existed,
        Some(true),
        "the folder existed on receipt"
    );
    assert!(signature_verifies(&secret, request));
    assert!(!signature_verifies("another secret", request));
    assert_eq!(request.headers["authorization"], "Bearer secret-token");
    assert_eq!(request.headers["x-switchboard-event"], "INSTANCE_DELETE");
}

#[tokio::test]
async fn a_failing_webhook_is_retried_boundedly_and_does_not_block_the_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let server_error = Receiver::start(vec![], 503, None).await;
    let refusing = Receiver::start(vec![], 401, None).await;
    let a = create_with_webhook(&engine, "a", &server_error.url).await;
    let b = create_with_webhook(&engine, "b", &refusing.url).await;

    let report = engine.delete_instance("a").await.unwrap();
    assert_eq!(report.webhook, WebhookOutcome::Failed);
    assert_eq!(server_error.received().len(), 3, "5xx: every bounded try");
    let report = engine.delete_instance("b").await.unwrap();
    assert_eq!(report.webhook, WebhookOutcome::Failed);
    assert_eq!(refusing.received().len(), 1, "4xx: no retry");
    for id in [a.id, b.id] {
        assert_no_rows(dir.path(), &id).await;
        assert!(!instance_dir(dir.path(), &id).exists());
    }
    // A receiver that is not even listening fails the same bounded way.
    let unreachable = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    create_with_webhook(&engine, "c", &unreachable).await;
    assert_eq!(
        engine.delete_instance("c").await.unwrap().webhook,
        WebhookOutcome::Failed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_simultaneous_deletes_make_one_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let receiver = Receiver::start(vec![], 200, None).await;
    let instance = create_with_webhook(&engine, "busy", &receiver.url).await;
    seed(&engine, dir.path(), &instance, 2, 50, 5).await;

    let calls = (0..20).map(|i| {
        let engine = engine.clone();
        let name = if i % 2 == 0 { "busy" } else { "BUSY" };
        tokio::spawn(async move { engine.delete_instance(name).await })
    });
    let answers = futures::future::join_all(calls).await;
    let mut reports = Vec::new();
    for answer in answers {
        match answer.expect("no caller panics") {
            Ok(report) => reports.push(report),
            Err(e) => assert_eq!(e.code(), ErrorCode::InstanceNotFound, "late callers: {e}"),
        }
    }
    assert!(!reports.is_empty());
    assert!(
        reports.iter().all(|r| r == &reports[0]),
        "joiners share one outcome"
    );
    assert_eq!(reports[0].removed.messages, 100);

    let deletes = receiver
        .events()
        .into_iter()
        .filter(|e| e == "INSTANCE_DELETE")
        .count();
    assert_eq!(deletes, 1, "one deletion happened");
    let audit = engine.audit_log(Some("busy")).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_no_rows(dir.path(), &instance.id).await;
    assert!(!instance_dir(dir.path(), &instance.id).exists());
    assert!(trash_is_empty(dir.path()));
    create(&engine, "busy").await;
}

/// Writes that race a deletion answer with what happened to the instance, never with
/// the storage failure (a foreign key, a vanished row) the race caused underneath.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_that_race_a_deletion_answer_as_the_deletion() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    let hook = WebhookInput {
        url: "http://127.0.0.1:9/hook".into(),
        events: vec![],
        authorization: None,
        ..Default::default()
    };
    for round in 0..40u64 {
        let name = format!("race{round}");
        create(&engine, &name).await;
        let writes = (0..4u64).map(|i| {
            let (engine, name, hook) = (engine.clone(), name.clone(), hook.clone());
            tokio::spawn(async move {
                // Spread the writes over the deletion's steps.
                for _ in 0..(round + i) % 8 {
                    tokio::task::yield_now().await;
                }
                match i {
                    0 => engine.set_webhook(&name, Some(hook)).await.map(drop),
                    1 => engine.set_webhook(&name, None).await.map(drop),
                    2 => engine
                        .update_settings(&name, Settings::default())
                        .await
                        .map(drop),
                    _ => engine.set_proxy(&name, None).await.map(drop),
                }
            })
        });
        let writes: Vec<_> = writes.collect();
        engine.delete_instance(&name).await.unwrap();
        for write in writes {
            if let Err(e) = write.await.unwrap() {
                assert!(
                    matches!(
                        e.code(),
                        ErrorCode::InstanceNotFound | ErrorCode::DeletionInProgress
                    ),
                    "round {round}: {} ({e})",
                    e.code()
                );
            }
        }
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn a_deleting_instance_refuses_other_operations_and_a_second_create() {
    let dir = tempfile::tempdir().unwrap();
    let engine = open(dir.path()).await;
    // A receiver that never answers keeps the deletion at step 2 for a while.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            sockets.push(socket);
        }
    });
    create_with_webhook(&engine, "slow", &url).await;
    let deleting = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.delete_instance("slow").await })
    };
    let mut events = engine.subscribe();
    while !matches!(
        events.recv().await.unwrap(),
        EngineEvent::DeletionStarted { .. }
    ) {}

    let listed = engine.list_instances().await.unwrap();
    assert!(listed[0].deleting, "listed as deleting");
    for err in [
        engine.logout("slow").await.unwrap_err(),
        engine.connect_qr("slow").await.unwrap_err(),
        engine.set_proxy("slow", None).await.unwrap_err(),
        engine
            .delete_chat("slow", "5511999999999", false)
            .await
            .unwrap_err(),
        engine.check_name("SLOW").await.unwrap_err(),
    ] {
        assert_eq!(err.code(), ErrorCode::DeletionInProgress);
    }
    let report = deleting.await.unwrap().unwrap();
    assert_eq!(
        report.webhook,
        WebhookOutcome::Failed,
        "timed out on every try"
    );
    held.abort();
    engine.check_name("slow").await.unwrap();
}

// ---- crash safety --------------------------------------------------------------------

const STEPS: &[&str] = &[
    "delete:tombstoned",
    "delete:webhook_sent",
    "delete:logged_out",
    "delete:actor_stopped",
    "delete:moved",
    "delete:rows_deleted",
    "delete:trash_removed",
];

#[test]
fn child_process() {
    engine_support::child::serve();
}

#[tokio::test]
async fn a_deletion_killed_at_any_step_is_finished_after_the_restart() {
    for step in STEPS {
        let dir = tempfile::tempdir().unwrap();
        let receiver = Receiver::start(vec![], 200, None).await;
        let (victim, bystander) = {
            let engine = Engine::open(patient_config(dir.path())).await.unwrap();
            let victim = create_with_webhook(&engine, "victim", &receiver.url).await;
            let bystander = create(&engine, "bystander").await;
            seed(&engine, dir.path(), &victim, 2, 10, 3).await;
            seed(&engine, dir.path(), &bystander, 1, 2, 1).await;
            engine.shutdown().await;
            (victim, bystander)
        };

        engine_support::child::delete_in_crashing_child(dir.path(), "victim", step, None).await;

        // Where the child stopped, as seen on disk.
        let folder = instance_dir(dir.path(), &victim.id);
        let trashed = dir.path().join("trash").join(&victim.id);
        let (in_place, in_trash) = match *step {
            "delete:moved" | "delete:rows_deleted" => (false, true),
            "delete:trash_removed" => (false, false),
            _ => (true, false),
        };
        assert_eq!(
            (folder.exists(), trashed.exists()),
            (in_place, in_trash),
            "{step}"
        );
        assert_eq!(
            rows_of(dir.path(), &victim.id).await["deletions"],
            1,
            "{step}"
        );
        let instance_deletes = || {
            receiver
                .events()
                .iter()
                .filter(|e| *e == "INSTANCE_DELETE")
                .count()
        };
        assert_eq!(
            instance_deletes(),
            usize::from(*step != "delete:tombstoned"),
            "{step}"
        );

        let engine = Engine::open(patient_config(dir.path())).await.unwrap();
        // Before its webhook and its logout are recorded, a deletion needs the running
        // engine: it stays listed as deleting until start_background carries it on.
        let waits_for_background = matches!(*step, "delete:tombstoned" | "delete:webhook_sent");
        let listed: Vec<_> = engine
            .list_instances()
            .await
            .unwrap()
            .into_iter()
            .map(|i| (i.name, i.deleting))
            .collect();
        if waits_for_background {
            assert_eq!(
                listed,
                [
                    ("bystander".to_string(), false),
                    ("victim".to_string(), true)
                ],
                "{step}"
            );
            assert_eq!(
                engine.connect_qr("victim").await.unwrap_err().code(),
                ErrorCode::DeletionInProgress
            );
            let mut events = engine.subscribe();
            engine.start_background();
            let report = instance_deleted(&mut events, &victim.id).await;
            assert_eq!(report.webhook, WebhookOutcome::Delivered, "{step}");
            assert_eq!(report.removed.messages, 20, "{step}");
        } else {
            assert_eq!(listed, [("bystander".to_string(), false)], "{step}");
        }
        assert_eq!(instance_deletes(), 1, "{step}: delivered once, never again");
        let names: Vec<_> = engine
            .list_instances()
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.name)
            .collect();
        assert_eq!(names, ["bystander"], "{step}");
        assert_no_rows(dir.path(), &victim.id).await;
        assert!(!instance_dir(dir.path(), &victim.id).exists(), "{step}");
        assert!(trash_is_empty(dir.path()), "{step}");
        let audit = engine.audit_log(Some("victim")).await.unwrap();
        assert_eq!(audit.len(), 1, "{step}: one audit record");
        assert_eq!(audit[0].result, "ok");
        assert_eq!(audit[0].removed.messages, 20, "{step}");
        let detail = audit[0].detail.as_deref().unwrap_or_default();
        assert!(detail.contains("webhook: Delivered"), "{step}: {detail}");
        assert!(
            detail.contains("resumed after an interruption"),
            "{step}: {detail}"
        );
        assert_eq!(
            engine
                .get_instance("bystander")
                .await
                .unwrap()
                .counts
                .messages,
            2
        );
        assert!(instance_dir(dir.path(), &bystander.id).is_dir());
        create(&engine, "victim").await;
        engine.shutdown().await;
    }
}

#[tokio::test]
async fn an_orphan_folder_and_trash_are_cleaned_at_open() {
    let dir = tempfile::tempdir().unwrap();
    {
        let engine = open(dir.path()).await;
        create(&engine, "kept").await;
        engine.shutdown().await;
    }
    let orphan = dir.path().join("instances").join("0000-orphan");
    std::fs::create_dir_all(orphan.join("media")).unwrap();
    std::fs::create_dir_all(dir.path().join("trash").join("leftover/media")).unwrap();
    let engine = open(dir.path()).await;
    assert!(!orphan.exists());
    assert!(trash_is_empty(dir.path()));
    assert_eq!(engine.list_instances().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_tombstone_whose_instance_row_is_gone_is_finished_at_open() {
    let dir = tempfile::tempdir().unwrap();
    open(dir.path()).await.shutdown().await;
    // Steps 2 and 3 not recorded, yet nothing is left to tell: no row, no webhook.
    let pool = app_db(dir.path()).await;
    sqlx::query(
        "INSERT INTO deletions (instance_id, name, started_at, chats, messages, media_files, media_bytes)
         VALUES ('gone-id', 'gone', 0, 1, 2, 0, 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;

    let engine = open(dir.path()).await;
    assert_no_rows(dir.path(), "gone-id").await;
    assert!(engine.list_instances().await.unwrap().is_empty());
    let audit = engine.audit_log(Some("gone")).await.unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].result, "ok");
    assert_eq!(audit[0].removed.messages, 2);
}
