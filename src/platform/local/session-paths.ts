// What a session outside bubblewrap is told about its folders: there is no /kaggle tree, so
// the program finds its folders through the KAGGLE_RUN_* variables, and nothing isolates it.

/** The file (in the session's source folder) holding KAGGLE_RUN_INPUTS. */
export const INPUTS_FILE = 'kaggle-run-inputs.json';

/** One log line saying how a session without bubblewrap differs from a Kaggle session. */
export function fallbackNote(paths: {
  workingDir: string;
  inputDir: string;
  tempDir: string;
  internet: boolean;
}): string {
  const network = paths.internet
    ? ''
    : ' Internet is off for this session but is not enforced without bubblewrap.';
  return (
    `kaggle-run: no bubblewrap here, so this session is not isolated and has no /kaggle tree: ` +
    `the working folder (current folder) is ${paths.workingDir} (KAGGLE_RUN_WORKING_DIR), ` +
    `inputs are under ${paths.inputDir} (KAGGLE_RUN_INPUT_DIR, each source in KAGGLE_RUN_INPUTS), ` +
    `scratch space is ${paths.tempDir} (KAGGLE_RUN_TEMP_DIR).${network} ` +
    `Install bubblewrap for Kaggle's paths and isolation.\n`
  );
}
