#include "processor/processor.h"
