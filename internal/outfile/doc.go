// Package outfile is the one place that knows how pimc writes an output
// file. Every output of every command (-o, -S, -report, -trace, -dot,
// -cpuprofile, -checkpoint, the files of -print-dir and of folder outputs)
// goes through Create or WriteFile, so a failed, interrupted or killed run
// never leaves a half-written file and never destroys what a path points at.
//
// What a path is written as depends on what it resolves to. Symbolic links
// are followed first, chains and relative links included (a link is read
// relative to its own folder, at most 40 links); a dangling link makes its
// target:
//
//   - a regular file, new or existing: the data goes to a temporary file in
//     the folder of the resolved path, which is synced and renamed over it
//     at Commit, so readers see the old file or the complete new one. An
//     existing file keeps its permission bits and, where the process may
//     set them (root, or the file's own user), its owner and group; a new
//     file gets the permissions asked for, less the umask. The file written
//     through a symbolic link is the link's target: the link stays. A hard
//     link is replaced by a new file; the file's other names keep the old
//     contents.
//   - a character device (/dev/null, /dev/full, a terminal), a named pipe or
//     a Unix socket, and any path through /proc (/dev/stdout is
//     /proc/self/fd/1): written directly, opened write-only without
//     truncation (a socket is connected to), never replaced. Commit closes
//     it; Abort cannot take back what was written there.
//   - refused, with nothing created or changed: a folder, a block device or
//     any other kind of file; an existing file without write permission (for
//     this process, or without any write bit at all, which protects a file
//     even from root); a folder that does not exist or cannot be written
//     (access(2) refuses, or it has no write bit at all).
//
// Check runs the same tests without writing anything, so commands refuse a
// bad output before they start work; CheckDir and MkdirAll do that for
// folder outputs. CheckPaths (paths.go) vets all the paths of one command
// together: every output against the file system, the inputs (links
// included, and the files an input folder's reader takes) and the other
// outputs.
//
// On Linux the temporary file is opened with O_TMPFILE: it has no name
// until Commit links it into the folder (linkat through /proc/self/fd, or
// AT_EMPTY_PATH without /proc), straight to the target's name when the
// target does not exist and else to a temporary name renamed over it. A
// process killed even with SIGKILL before Commit therefore leaves nothing
// behind. Elsewhere, and on file systems that refuse O_TMPFILE, the
// temporary file is a hidden ".NAME.tmp-RANDOM" created with O_EXCL next to
// the target; AbortPending removes those (the CLI calls it on SIGINT,
// SIGTERM and SIGHUP). A SIGKILL can leave one behind (and, on Linux, the
// name an O_TMPFILE file has for the instant between being linked and
// renamed over an existing target), so every temporary file is locked
// (flock) by its writer until Commit or Abort, and Create first removes
// the temporary files of its target that no live process holds
// (RemoveStale, stale.go): the next write of a path cleans up after a
// killed one.
//
// Allowed imports: the standard library. Every pimc package may import it.
package outfile
