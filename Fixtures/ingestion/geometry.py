"""Small geometry helpers."""
import math


def area(radius):
    """Area of a circle."""
    return math.pi * radius ** 2


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y

    def norm(self):
        return math.hypot(self.x, self.y)
