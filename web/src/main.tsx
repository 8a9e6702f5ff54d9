import { createRoot } from "react-dom/client";
import { AuthGate } from "./auth/AuthGate";
import "./styles.css";

// The UI is served by the runtime itself, so the API and the hub are at this page's own origin.
const apiUrl = window.location.origin;
const hubUrl = `${apiUrl}/hubs/sessions`;

const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root element.");
createRoot(root).render(<AuthGate apiUrl={apiUrl} hubUrl={hubUrl} />);
