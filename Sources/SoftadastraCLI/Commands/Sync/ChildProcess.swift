import Softadastra

#if canImport(Glibc)
  import Glibc
#endif

/// A command started with pipes to its standard input and output (its standard error is ours).
final class ChildProcess {
  let pid: pid_t
  /// Our ends: we write to its standard input, and read its standard output.
  let toChild: Int32
  let fromChild: Int32

  /// Starts `arguments` (looked up in PATH).
  ///
  /// - Throws: `invalidArgument` for an empty command, `notFound` when it cannot be started.
  init(_ arguments: [String]) throws(SoftadastraError) {
    guard let program = arguments.first else {
      throw SoftadastraError(
        .invalidArgument,
        "give the command to exchange with, as in: softadastra sync with ssh host softadastra sync serve --stdio")
    }
    var input: [Int32] = [0, 0]
    var output: [Int32] = [0, 0]
    guard pipe(&input) == 0, pipe(&output) == 0 else {
      throw SoftadastraError(.io, "cannot create pipes: \(String(cString: strerror(errno)))")
    }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, input[0], 0)
    posix_spawn_file_actions_adddup2(&actions, output[1], 1)
    for descriptor in [input[0], input[1], output[0], output[1]] {
      posix_spawn_file_actions_addclose(&actions, descriptor)
    }
    let argv = arguments.map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let status = posix_spawnp(&pid, program, &actions, nil, argv, environ)
    close(input[0])
    close(output[1])
    guard status == 0 else {
      close(input[1])
      close(output[0])
      throw SoftadastraError(.notFound, "cannot start \(program): \(String(cString: strerror(status)))")
    }
    self.pid = pid
    toChild = input[1]
    fromChild = output[0]
  }

  /// Closes our ends (first stopping the command with SIGTERM when `killing`: it stalled or
  /// broke the exchange) and waits for it; its exit status (128 + signal when killed).
  func finish(killing: Bool = false) -> Int32 {
    if killing { kill(pid, SIGTERM) }
    close(toChild)
    close(fromChild)
    // With its pipes closed, a command has 10 seconds to exit before it is stopped.
    var status: Int32 = 0
    var waited = 0
    while true {
      let done = waitpid(pid, &status, WNOHANG)
      if done == pid || (done < 0 && errno != EINTR) { break }
      if waited == 10_000 { kill(pid, SIGTERM) }
      if waited == 15_000 { kill(pid, SIGKILL) }
      usleep(10_000)
      waited += 10
    }
    let signal = status & 0x7F
    return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
  }
}
