// One integration test binary (linking one binary per file costs minutes on 2 cores).
// Fixtures are real folders under tests/fixtures/; builds go to temporary folders.

mod build;
mod cli;
mod contest;
mod crash;
mod edit;
mod events;
mod fuzz;
mod gate;
mod import;
mod incremental;
mod learn;
mod load;
mod mail;
mod media;
mod province;
mod search;
mod serve;
mod signup;
mod staff;
mod support;
mod watch;
