// Entry point of the action bundle (dist/action/index.js), run by action.yml's step.
import { runAction } from './main';

void runAction();
