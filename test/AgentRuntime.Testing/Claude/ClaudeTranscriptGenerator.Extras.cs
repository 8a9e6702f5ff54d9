namespace AgentRuntime.Testing.Claude;

// What comes now and then between turns: system entries, summaries, snapshots, odd and broken lines.
public sealed partial class ClaudeTranscriptGenerator
{
    private void Extras(FileWriter main, int turn)
    {
        if (turn % 9 == 4)
        {
            main.Line(w => SystemEntry(w, main, "compact_boundary", w2 =>
            {
                w2.WriteString("content", "Conversation compacted");
                w2.WriteStartObject("compactMetadata");
                w2.WriteString("trigger", "auto");
                w2.WriteNumber("preTokens", _random.Next(100_000, 200_000));
                w2.WriteEndObject();
            }));
            main.Line(w =>
            {
                w.WriteString("type", "summary");
                w.WriteString("summary", Text(8));
                w.WriteString("leafUuid", Uuid());
            });
        }

        if (turn % 6 == 1)
        {
            main.Line(w => SystemEntry(w, main, "turn_duration", w2 => w2.WriteNumber("durationMs", _random.Next(1000, 90_000))));
        }

        if (turn % 15 == 8)
        {
            main.Line(w => SystemEntry(w, main, "informational", w2 =>
            {
                w2.WriteString("content", Text(15));
                w2.WriteString("level", "info");
                w2.WriteStartObject("toolUseResult");
                w2.WriteString("note", "renamed on the way");
                w2.WriteEndObject();
            }));
        }

        if (turn % 10 == 2)
        {
            main.Line(w =>
            {
                w.WriteString("type", "file-history-snapshot");
                w.WriteString("messageId", Uuid());
                w.WriteStartObject("snapshot");
                w.WriteStartObject("trackedFileBackups");
                for (var i = _random.Next(1, 6); i > 0; i--)
                {
                    w.WriteStartObject($"src/{Word()}{i}.cs");
                    w.WriteString("backupFileName", $"{Id(16)}@v{i}");
                    w.WriteNumber("version", i);
                    w.WriteString("backupTime", Timestamp());
                    w.WriteEndObject();
                }

                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteBoolean("isSnapshotUpdate", turn % 20 == 2);
            });
        }

        if (turn % 12 == 5)
        {
            // Older CLIs kept sidechain entries in the main file; subagent files replaced them.
            main.Line(w => SidechainEntry(w, main));
            main.Line(w => SidechainEntry(w, main));
        }

        switch (turn % 25)
        {
            case 3:
                main.Line(w =>
                {
                    w.WriteStartObject("message");
                    w.WriteString("content", Text(10));
                    w.WriteEndObject();
                    w.WriteString("type", "x-future-entry");
                    w.WriteString("timestamp", Timestamp());
                });
                break;
            case 7:
                main.Raw("");
                main.Raw("   ");
                break;
            case 11:
                main.Raw("{\"type\":\"user\",\"message\":{\"content\":\"half a line\"");
                break;
            case 13:
                main.Raw("[1,2,3]");
                main.Raw("\"just a string\"");
                main.Raw("null");
                break;
            case 17:
                main.Line(w =>
                {
                    w.WriteNumber("type", 5);
                    w.WriteString("uuid", Uuid());
                });
                break;
            case 19:
                // A dialogue entry without a message, and one whose message is not an object.
                main.Line(w => Envelope(w, main, "assistant", Uuid()));
                main.Line(w =>
                {
                    w.WriteString("message", "odd");
                    Envelope(w, main, "user", Uuid());
                });
                break;
            case 21:
                // A tool result for a call this transcript never made, and a user message of a document and blocks.
                main.Line(w =>
                {
                    WriteMessage(w, w2 =>
                    {
                        w2.WriteStartObject();
                        w2.WriteString("type", "tool_result");
                        w2.WriteString("tool_use_id", $"toolu_{Id(24)}");
                        w2.WriteString("content", Text(10));
                        w2.WriteEndObject();
                        w2.WriteStartObject();
                        w2.WriteString("type", "document");
                        w2.WriteStartObject("source");
                        w2.WriteString("type", "text");
                        w2.WriteEndObject();
                        w2.WriteEndObject();
                        w2.WriteStartObject();
                        w2.WriteString("type", "custom_block");
                        w2.WriteNumber("n", 1);
                        w2.WriteEndObject();
                    });
                    Envelope(w, main, "user", Uuid());
                });
                break;
        }

        main.Line(w =>
        {
            w.WriteString("type", "last-prompt");
            w.WriteString("lastPrompt", Text(8));
            w.WriteString("sessionId", SessionId);
        });
    }
}
