fn main() {
    std::process::exit(handover::cli::main());
}
