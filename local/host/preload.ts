// `node -r dist/local/host/preload.js ...`: answers `@azure/functions-core` before any app code loads.
import { installFunctionsCoreResolver } from './install-core';

installFunctionsCoreResolver();
