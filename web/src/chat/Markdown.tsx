import DOMPurify from "dompurify";
import { Marked } from "marked";
import { memo, useMemo } from "react";

const marked = new Marked({ gfm: true, breaks: true });

// Links the agent writes open beside the app, never in place of it, and never with access to it.
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A" && node.hasAttribute("href")) {
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

/** Agent text as markdown, sanitized: the model's output is untrusted HTML as far as the page is concerned. */
export const Markdown = memo(function Markdown({ text, className }: { text: string; className?: string }) {
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(text, { async: false })), [text]);
  return <div className={`markdown${className ? ` ${className}` : ""}`} dangerouslySetInnerHTML={{ __html: html }} />;
});
