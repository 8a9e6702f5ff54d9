import { createRoot } from "react-dom/client";
import { App } from "./app/App";
import { SignalRTransport } from "@agent-runtime/react";
import "./styles.css";

// The UI is served by the runtime itself, so the API and the hub are at this page's own origin.
const apiUrl = window.location.origin;
const hubUrl = `${apiUrl}/hubs/sessions`;
const transport = new SignalRTransport({ hubUrl });

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element.");
createRoot(root).render(<App apiUrl={apiUrl} hubUrl={hubUrl} transport={transport} />);
