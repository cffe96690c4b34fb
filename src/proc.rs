// Whether another build process is still running: used to clean up what killed builds left
// behind (staging folders, half-written cache entries) without touching a running build's files.

/// True only when `pid` is certainly not a running process (and not this one). Where that cannot
/// be known (no /proc), false: leftovers are then kept rather than risk a running build's files.
pub fn process_is_gone(pid: u32) -> bool {
    if pid == std::process::id() {
        return false;
    }
    let proc_root = std::path::Path::new("/proc");
    proc_root.join("self").exists() && !proc_root.join(pid.to_string()).exists()
}
