fn main() { switchboard_app::run() }
