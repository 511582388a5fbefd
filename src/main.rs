fn main() -> std::process::ExitCode {
    custody::cli::main()
}
