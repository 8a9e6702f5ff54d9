import { useState, type FormEvent, type KeyboardEvent } from "react";

/** The message box: Enter sends, Shift+Enter starts a new line; held while the agent is answering. */
export function Composer({ busy, onSend }: { busy: boolean; onSend: (text: string) => Promise<unknown> }) {
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const disabled = busy || sending || text.trim().length === 0;

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    if (disabled) return;
    setSending(true);
    try {
      await onSend(text.trim());
      setText("");
    } catch {
      // The error is shown by the conversation (useMessages().error); keep the text so it can be sent again.
    } finally {
      setSending(false);
    }
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  return (
    <form className="composer" onSubmit={send}>
      <textarea
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        placeholder={busy ? "The agent is working…" : "Message the agent (Enter to send, Shift+Enter for a new line)"}
        rows={2}
        aria-label="Message"
        data-testid="composer-input"
      />
      <button type="submit" className="button primary" disabled={disabled} data-testid="send">
        {sending ? "Sending…" : "Send"}
      </button>
    </form>
  );
}
