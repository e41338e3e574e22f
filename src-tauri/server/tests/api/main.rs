//! `switchboard-server` as a process, driven by a real HTTP client: start-up and stop,
//! every route happy and unhappy, the token matrix, the limits, S3 media against a real
//! S3-compatible server, and the whole flow
//! against wa-mock with the real WhatsApp client inside the server.

mod deletes;
mod downloads;
mod evolution_contract;
mod evolution_flow;
mod export;
mod flow;
mod limits;
mod messages;
mod routes;
mod s3;
mod socket;
mod startup;
mod support;
mod tokens;
mod whole_list;
