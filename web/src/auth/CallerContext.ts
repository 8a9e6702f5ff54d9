import type { CallerInfo } from "@agent-runtime/react";
import { createContext, useContext } from "react";

/** Who is signed in, for the parts of the app that show it. */
export const CallerContext = createContext<CallerInfo | null>(null);

export function useCaller(): CallerInfo | null {
  return useContext(CallerContext);
}
