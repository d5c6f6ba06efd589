import { DateScalar, DateTimeScalar } from '@osr/common';
import type { Resolvers } from '../generated/resolvers.js';
import { Board } from './board.js';
import { BoardPeriod } from './board-period.js';
import { Query } from './query.js';
import { Samenwerkingsverband } from './samenwerkingsverband.js';
import { School } from './school.js';

export const resolvers: Resolvers = {
  Date: DateScalar,
  DateTime: DateTimeScalar,
  Query,
  Board,
  BoardPeriod,
  School,
  Samenwerkingsverband,
};
