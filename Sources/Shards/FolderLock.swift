import Foundation

/// An exclusive claim on a folder for as long as a process works in it: a POSIX record lock on the
/// empty file `FOLDER/.lock`. The kernel releases it when the process ends, however it ends, so a
/// killed run never leaves a stale lock, and a second process on the same folder is refused before it
/// writes (or clears temporary files) there.
public final class FolderLock {
    public static let fileName = ".lock"
    private let descriptor: Int32

    /// `user` names what holds the lock, for the message a second process gets.
    public init(folder: String, user: String) throws(ShardError) {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(Self.fileName).path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw ShardError("cannot create \(path): \(String(cString: strerror(errno)))") }
        var request = Self.wholeFile()
        guard fcntl(descriptor, F_SETLK, &request) == 0 else {
            let reason = errno
            var holder = Self.wholeFile()
            let pid = fcntl(descriptor, F_GETLK, &holder) == 0 && holder.l_type != Int16(F_UNLCK) ? " (pid \(holder.l_pid))" : ""
            close(descriptor)
            if reason == EACCES || reason == EAGAIN {
                throw ShardError("\(folder) is in use by another process\(pid); \(user) works alone in a folder: wait for that one to end, or choose another folder")
            }
            throw ShardError("cannot lock \(path): \(String(cString: strerror(reason)))")
        }
    }

    deinit { close(descriptor) }

    private static func wholeFile() -> flock {
        var lock = flock()
        lock.l_type = Int16(F_WRLCK)
        lock.l_whence = Int16(SEEK_SET)
        return lock
    }
}
