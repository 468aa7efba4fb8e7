import { readEnvironment, reportStartFailure, serve } from './serve.js'

serve(readEnvironment()).catch(reportStartFailure)
