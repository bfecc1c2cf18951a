//! `token-server`: serve HTTP (default), `check-config`, `mint` or `openapi`.

fn main() -> std::process::ExitCode {
    token_server::cli::main()
}
