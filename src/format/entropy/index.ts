// Entropy coding of code streams (dictionary codes, small integers): rANS with a per-stream table,
// and the estimate the writer uses to decide whether it pays. Not yet a registered value encoding.

export { type CodesEstimate, type EstimateOptions, estimateCodes } from './estimate.js';
export { type DecodeOptions, type EncodeOptions, decodeCodes, encodeCodes, readCodes } from './rans.js';
export { type Codes, entropyBits, histogram } from './table.js';
