import { useCallback, useEffect, useState } from "react";
import { AgentRuntimeApiError } from "../client/AgentRuntimeApiError.js";
import { useAgentService } from "../context/AgentServiceProvider.js";
import type { AgentProfile, AgentProfileSummary, ProfileDocument, ProfileVersionInfo, StoredProfile } from "../types/api.js";

/** How a save went: the stored version, or why the server refused it (its `field: message` errors, when it listed them). */
export type SaveProfileResult =
  | { ok: true; stored: StoredProfile }
  | { ok: false; status: number | undefined; message: string; errors: string[] };

/** What {@link useProfiles} returns. */
export interface UseProfilesResult {
  /** The profiles the caller may use (the global ones and its tenant's), by id. */
  profiles: AgentProfileSummary[];
  isLoading: boolean;
  error: string | undefined;
  /** Reads the list again. */
  refresh: () => Promise<void>;
  /** A profile in full: its latest version, or the numbered one. */
  getProfile: (profileId: string, version?: number) => Promise<AgentProfile>;
  /** A profile's versions, oldest first. */
  listVersions: (profileId: string) => Promise<ProfileVersionInfo[]>;
  /**
   * Creates the profile (`create: true`) or saves a new version of it, then reads the list again. Never throws for an
   * answer of the server: a refusal comes back as `ok: false` with its errors, which also stay in `validationErrors`.
   */
  saveProfile: (profile: ProfileDocument, options?: { create?: boolean }) => Promise<SaveProfileResult>;
  /** Deletes a profile, then reads the list again. Sessions that run on it keep their version. */
  deleteProfile: (profileId: string) => Promise<void>;
  /** The `field: message` errors of the last save the server refused; empty after one it accepted. */
  validationErrors: string[];
}

/** The server's agent profiles: listed when the hook mounts, read, written and deleted through the REST API. */
export function useProfiles(): UseProfilesResult {
  const service = useAgentService();
  const [profiles, setProfiles] = useState<AgentProfileSummary[]>([]);
  const [isLoading, setIsLoading] = useState(true);
  const [error, setError] = useState<string>();
  const [validationErrors, setValidationErrors] = useState<string[]>([]);

  const refresh = useCallback(async () => {
    setIsLoading(true);
    try {
      setProfiles(await service.rest.listProfiles());
      setError(undefined);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setIsLoading(false);
    }
  }, [service]);

  useEffect(() => {
    void refresh();
  }, [refresh]);

  const getProfile = useCallback((profileId: string, version?: number) => service.rest.getProfile(profileId, version), [service]);
  const listVersions = useCallback((profileId: string) => service.rest.listProfileVersions(profileId), [service]);

  const saveProfile = useCallback(
    async (profile: ProfileDocument, options?: { create?: boolean }): Promise<SaveProfileResult> => {
      try {
        const stored = options?.create ? await service.rest.createProfile(profile) : await service.rest.updateProfile(profile);
        setValidationErrors([]);
        await refresh();
        return { ok: true, stored };
      } catch (e) {
        if (!(e instanceof AgentRuntimeApiError)) throw e;
        setValidationErrors(e.errors);
        return { ok: false, status: e.status, message: e.message, errors: e.errors };
      }
    },
    [service, refresh],
  );

  const deleteProfile = useCallback(
    async (profileId: string) => {
      await service.rest.deleteProfile(profileId);
      await refresh();
    },
    [service, refresh],
  );

  return { profiles, isLoading, error, refresh, getProfile, listVersions, saveProfile, deleteProfile, validationErrors };
}
