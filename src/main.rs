// The checker, the language server and the line readers allocate many
// small short-lived values; glibc's allocator was up to 40% of their
// profiles. The library leaves the choice to its users.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    // A closed pipe (`handover check . | head`) is not a crash: leave quietly
    // with the status a shell gives a process killed by SIGPIPE.
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
    std::process::exit(handover::cli::main());
}
