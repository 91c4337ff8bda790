import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { LiveChannel } from "./live";
import type { Can } from "./permissions";
import type { Project } from "./types";

/** What every page of a project needs: the project, its live channel, and permissions. */
export interface ProjectContextValue {
  project: Project;
  live: LiveChannel;
  can: Can;
}

/** Provided by the project shell. */
export const ProjectContext = createContext<ProjectContextValue | null>(null);

/** The current project's context; only valid below the project shell. */
export function useProject(): ProjectContextValue {
  const value = useContext(ProjectContext);
  if (!value) {
    throw new Error("useProject() outside a project");
  }
  return value;
}
