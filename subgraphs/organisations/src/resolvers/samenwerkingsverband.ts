import { swvDisplayCode } from '@osr/common';
import type { SamenwerkingsverbandResolvers } from '../generated/resolvers.js';

export const Samenwerkingsverband: SamenwerkingsverbandResolvers = {
  __resolveReference: (ref, { loaders }) => loaders.swv.load(ref.code),
  displayCode: (swv) => swvDisplayCode(swv.code),
  schools: (swv, _args, { loaders }) => loaders.schoolsOfSwv.load(swv.code),
};
