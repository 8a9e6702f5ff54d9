using System.CommandLine;
using System.Globalization;
using AgentRuntime.Serialization;
using Spectre.Console;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>files list | get | put | delete</c>: the session's workspace as stored.</summary>
internal static class FileCommands
{
    public static Command Build(CliHost host, GlobalOptions options)
    {
        var files = new Command("files", "List, download, upload and delete the session's workspace files");
        files.Subcommands.Add(BuildList(host, options));
        files.Subcommands.Add(BuildGet(host, options));
        files.Subcommands.Add(BuildPut(host, options));
        files.Subcommands.Add(BuildDelete(host, options));
        return files;
    }

    private static Command BuildList(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var list = new Command("list", "The workspace's files as last stored") { id };
        list.Aliases.Add("ls");
        list.SetAction(host, options, async (context, ct) =>
        {
            await using var client = context.CreateClient();
            var entries = await client.ListFilesAsync(context.Parse.GetValue(id)!, ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(entries, AgentRuntimeJsonContext.Default.IReadOnlyListWorkspaceFileInfo);
                return ExitCodes.Success;
            }

            if (entries.Count == 0)
            {
                host.Console.WriteLine("The workspace is empty.");
                return ExitCodes.Success;
            }

            var table = new Table().Border(TableBorder.Simple).AddColumns("PATH", "SIZE", "MODIFIED");
            table.Columns[1].RightAligned();
            foreach (var file in entries.OrderBy(f => f.Path, StringComparer.Ordinal))
            {
                table.AddRow(
                    new Text(file.Path),
                    new Text(file.Size.ToString("N0", CultureInfo.InvariantCulture)),
                    new Text(file.ModifiedAt.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)));
            }

            host.Console.Write(table);
            return ExitCodes.Success;
        });
        return list;
    }

    private static Command BuildGet(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var path = new Argument<string>("path") { Description = "The file's path in the workspace" };
        var output = new Option<FileInfo?>("--output", "-o") { Description = "Write it to this file rather than to standard output" };
        var get = new Command("get", "Download a file (to standard output, or --output)") { id, path, output };
        get.SetAction(host, options, async (context, ct) =>
        {
            await using var client = context.CreateClient();
            var content = await client.ReadFileAsync(context.Parse.GetValue(id)!, context.Parse.GetValue(path)!, ct).ConfigureAwait(false);
            if (context.Parse.GetValue(output) is { } file)
            {
                await File.WriteAllBytesAsync(file.FullName, content, ct).ConfigureAwait(false);
                host.WriteNotice($"Wrote {content.Length.ToString("N0", CultureInfo.InvariantCulture)} bytes to {file.FullName}.");
                return ExitCodes.Success;
            }

            // Bytes as they are: the file may be binary, and a TextWriter would re-encode it.
            host.Console.Profile.Out.Writer.Flush();
            var stdout = host.OpenStandardOutput();
            await stdout.WriteAsync(content, ct).ConfigureAwait(false);
            await stdout.FlushAsync(ct).ConfigureAwait(false);
            return ExitCodes.Success;
        });
        return get;
    }

    private static Command BuildPut(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var local = new Argument<FileInfo>("file") { Description = "The local file to upload" };
        var path = new Argument<string?>("path")
        {
            Description = "Where in the workspace (default: the file's name at the top)",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var put = new Command("put", "Upload a file; the agent sees it on its next turn") { id, local, path };
        put.SetAction(host, options, async (context, ct) =>
        {
            var file = context.Parse.GetValue(local)!;
            if (!file.Exists)
            {
                throw new CliFailureException($"There is no file '{file.FullName}'.");
            }

            var target = context.Parse.GetValue(path) ?? file.Name;
            var content = await File.ReadAllBytesAsync(file.FullName, ct).ConfigureAwait(false);
            await using var client = context.CreateClient();
            var written = await client.WriteFileAsync(context.Parse.GetValue(id)!, target, content, ct).ConfigureAwait(false);
            if (context.Json)
            {
                context.WriteJson(written, AgentRuntimeJsonContext.Default.FileWritten);
            }
            else
            {
                var what = written.Created ? "Created" : written.Changed ? "Replaced" : "Unchanged:";
                host.Console.WriteLine($"{what} {written.Path} ({written.Size.ToString("N0", CultureInfo.InvariantCulture)} bytes).");
            }

            return ExitCodes.Success;
        });
        return put;
    }

    private static Command BuildDelete(CliHost host, GlobalOptions options)
    {
        var id = CommandTree.SessionId();
        var path = new Argument<string>("path") { Description = "The file's path in the workspace" };
        var delete = new Command("delete", "Delete a file from the workspace") { id, path };
        delete.Aliases.Add("rm");
        delete.SetAction(host, options, async (context, ct) =>
        {
            await using var client = context.CreateClient();
            var target = context.Parse.GetValue(path)!;
            await client.DeleteFileAsync(context.Parse.GetValue(id)!, target, ct).ConfigureAwait(false);
            if (!context.Json)
            {
                host.Console.WriteLine($"Deleted {target}.");
            }

            return ExitCodes.Success;
        });
        return delete;
    }
}
