namespace AgentRuntime.Cli;

/// <summary>The exit codes, as docs/terminal-client.md lists them.</summary>
internal static class ExitCodes
{
    /// <summary>Done; for <c>send</c>, the turn completed.</summary>
    public const int Success = 0;

    /// <summary>The server refused the request (unknown session, a conflict, …), could not be reached, or the turn failed.</summary>
    public const int Failure = 1;

    /// <summary>The command line was wrong: the usage is printed.</summary>
    public const int Usage = 2;

    /// <summary>Stopped with Ctrl-C, or the turn was interrupted (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
