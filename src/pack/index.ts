// Packing: which files of a project ship (minus secrets), as a deterministic zip.
export { packProject, type PackOptions, type PackResult } from './pack-project.js';
export { selectFiles, type ExcludedFile, type SelectRules } from './select-files.js';
export { secretReason } from './secrets.js';
export { contentSecretReason, fileSecretReason } from './secret-content.js';
export { isStored } from './deterministic-zip.js';
