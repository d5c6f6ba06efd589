import { DateScalar, DateTimeScalar } from '@osr/common';
import type { Resolvers } from '../generated/resolvers.js';
import { Board } from './board.js';
import { BoardPeriod } from './board-period.js';
import { Query } from './query.js';
import { Mutation } from './rio-sync.js';
import { Samenwerkingsverband } from './samenwerkingsverband.js';
import { School } from './school.js';

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query,
  Mutation,
  Board,
  BoardPeriod,
  School,
  Samenwerkingsverband,
};
